"""The exit statuses of the command-line programs, one table for all of them (and the demo).

0 is success and 1 an unexpected crash (Python's own); the others each mean one thing everywhere.
"""

# A bad setup: a flag, a missing file, a shape; one line on stderr names it.
BAD_SETUP = 2
# Training met NaN/Inf; the last checkpoint stays the last good one.
NON_FINITE = 3
# Unreadable training data; the line names the shard and the record.
BAD_DATA = 4
# The program finished and wrote its output, and that output records a problem with the model that
# the user has to read: no prediction showed the ground for metres (evaluate --camera_height), a
# .tflite file that does not compute the trained network (export.tflite). Not an error of the run:
# the demo reports it and goes on.
FINDING = 5
