"""absl flags generated from the config dataclasses, so that a default lives only in config.py.

Every field of a chosen section becomes a flag of the same name (`--smooth_weight`,
`--batch_size`); bool fields become absl bool flags (`--augment` / `--noaugment`), the
`strategy`, `mixed_precision_dtype` and `depth_net` fields enum flags. The help text of a flag is
the field's `metadata["help"]` in config.py. Only programs call `define_config_flags` (or
`define_field_flags` for a few fields of another dataclass, e.g. `EvalConfig`); they hand the
parsed values to `config_from_flags`, which builds (and so validates) the `Config`.
"""

import dataclasses
from typing import Optional, Sequence

from absl import flags

from sfmlearner_tf.config import DEPTH_NETS, MIXED_PRECISION_DTYPES, PADDINGS, SECTIONS, SMOOTHNESS, STRATEGIES, Config

# Fields whose flag accepts only a fixed set of values.
_ENUMS = {("train", "strategy"): STRATEGIES, ("train", "mixed_precision_dtype"): MIXED_PRECISION_DTYPES,
          ("model", "depth_net"): DEPTH_NETS, ("model", "padding"): PADDINGS, ("loss", "smoothness"): SMOOTHNESS}


def field_help(section_cls, name: str) -> str:
    """The help text of a config field (its `metadata["help"]`).

    Raises:
      ValueError: the field has no help text (config.py writes every flag's field with `_field`).
    """
    field = {field.name: field for field in dataclasses.fields(section_cls)}[name]
    help_text = field.metadata.get("help", "")
    if not help_text:
        raise ValueError(f"config field {section_cls.__name__}.{name} has no metadata['help']")
    return help_text


def define_field_flags(
    section_cls,
    section: str,
    flag_values: flags.FlagValues = flags.FLAGS,
    names: Optional[Sequence[str]] = None,
) -> None:
    """Defines one flag per field of `section_cls` (or per field in `names`), default and help from it.

    Args:
      section_cls: a config dataclass.
      section: its name, shown in the help (`[loss] ...`) and used to find enum fields.
      names: the fields to define (None: all of them).

    Raises:
      ValueError: a name is not a field, or a field has no help text or a type without a flag kind.
    """
    fields = dataclasses.fields(section_cls)
    unknown = set(names or ()) - {field.name for field in fields}
    if unknown:
        raise ValueError(f"{section_cls.__name__} has no fields {sorted(unknown)}")
    for field in fields:
        if names is not None and field.name not in names:
            continue
        default = field.default
        if default is dataclasses.MISSING:
            default = field.default_factory()
        help_text = f"[{section}] {field_help(section_cls, field.name)}"
        if (section, field.name) in _ENUMS:
            flags.DEFINE_enum(field.name, default, _ENUMS[section, field.name], help_text, flag_values=flag_values)
        elif field.type in (bool, "bool"):
            flags.DEFINE_bool(field.name, default, help_text, flag_values=flag_values)
        elif field.type in (int, "int"):
            flags.DEFINE_integer(field.name, default, help_text, flag_values=flag_values)
        elif field.type in (float, "float"):
            flags.DEFINE_float(field.name, default, help_text, flag_values=flag_values)
        elif field.type in (str, "str"):
            flags.DEFINE_string(field.name, default, help_text, flag_values=flag_values)
        else:
            raise ValueError(f"config field {section}.{field.name} has unsupported type {field.type!r}")


def define_config_flags(
    flag_values: flags.FlagValues = flags.FLAGS,
    sections: Sequence[str] = tuple(SECTIONS),
) -> None:
    """Defines one flag per field of the given config sections, defaulting to the field's default.

    Raises:
      ValueError: a section name is unknown, or two sections share a field name.
    """
    seen = {}
    for section in sections:
        if section not in SECTIONS:
            raise ValueError(f"unknown config section {section!r}, expected one of {sorted(SECTIONS)}")
        for field in dataclasses.fields(SECTIONS[section]):
            if field.name in seen:
                raise ValueError(
                    f"config field {field.name!r} is in sections {seen[field.name]!r} and {section!r}"
                )
            seen[field.name] = section
    for section in sections:
        define_field_flags(SECTIONS[section], section, flag_values)


def config_from_flags(
    flag_values: flags.FlagValues = flags.FLAGS,
    base: Optional[Config] = None,
) -> Config:
    """Builds the `Config` from parsed flags; the dataclasses validate it (ValueError).

    Args:
      flag_values: parsed flags defined by `define_config_flags` (sections not defined keep `base`).
      base: values for the flags not given on the command line (e.g. a saved run's config when
        resuming); the dataclass defaults when None.
    """
    base = base or Config()
    values = {}
    for section in SECTIONS:
        section_values = dataclasses.asdict(getattr(base, section))
        for name in section_values:
            if name in flag_values and flag_values[name].present:
                section_values[name] = flag_values[name].value
        values[section] = section_values
    return Config.from_dict(values)
