"""absl flags generated from the config dataclasses, so that a default lives only in config.py.

Every field of a chosen section becomes a flag of the same name (`--smooth_weight`,
`--batch_size`); bool fields become absl bool flags (`--augment` / `--noaugment`), the
`strategy` and `mixed_precision_dtype` fields enum flags. The help text of a flag is the comment
written above its field in config.py. Only programs call `define_config_flags`; they hand the parsed values to
`config_from_flags`, which builds (and so validates) the `Config`.
"""

import dataclasses
import inspect
import io
import tokenize
from typing import Optional, Sequence

from absl import flags

from sfmlearner_tf.config import MIXED_PRECISION_DTYPES, SECTIONS, STRATEGIES, Config

# Fields whose flag accepts only a fixed set of values.
_ENUMS = {("train", "strategy"): STRATEGIES, ("train", "mixed_precision_dtype"): MIXED_PRECISION_DTYPES}


def _field_comments(section_cls) -> dict[str, str]:
    """The `# comment` lines directly above each field in the dataclass's source."""
    try:
        source = inspect.getsource(section_cls)
    except (OSError, TypeError):
        return {}
    comments, pending = {}, []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            pending.append(token.string.lstrip("#").strip())
        elif token.type == tokenize.NAME and token.line.strip().startswith(token.string + ":"):
            if pending and token.start[1] == 4:
                comments[token.string] = " ".join(pending)
            pending = []
        elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            pending = []
    return comments


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
        section_cls = SECTIONS[section]
        comments = _field_comments(section_cls)
        for field in dataclasses.fields(section_cls):
            if field.name in seen:
                raise ValueError(
                    f"config field {field.name!r} is in sections {seen[field.name]!r} and {section!r}"
                )
            seen[field.name] = section
            default = field.default
            if default is dataclasses.MISSING:
                default = field.default_factory()
            help_text = f"[{section}] {comments.get(field.name, field.name.replace('_', ' '))}"
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
