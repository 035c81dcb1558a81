/* level.h — Python logging levels: names, parsing, and the colour class.
 *
 * Contract: pure functions, no allocation. Levels are plain ints as the API
 * sends them; non-standard numbers (25, 45) are valid and belong to the class
 * of the nearest standard level below them. */
#ifndef OMSLOG_LEVEL_H
#define OMSLOG_LEVEL_H

#include <stddef.h>

enum {
    LEVEL_NOTSET = 0,
    LEVEL_DEBUG = 10,
    LEVEL_INFO = 20,
    LEVEL_WARNING = 30,
    LEVEL_ERROR = 40,
    LEVEL_CRITICAL = 50,
};

/* The six standard levels as classes, in ascending order. */
enum level_class {
    LEVEL_CLASS_NOTSET,
    LEVEL_CLASS_DEBUG,
    LEVEL_CLASS_INFO,
    LEVEL_CLASS_WARNING,
    LEVEL_CLASS_ERROR,
    LEVEL_CLASS_CRITICAL,
    LEVEL_CLASS_COUNT
};

/* Room for the longest name, "Level -2147483648" and its NUL: an int has at
 * most 3 decimal digits per byte, plus its sign. */
#define LEVEL_NAME_MAX (sizeof "Level " + 3 * sizeof(int) + 1)

/* "ERROR" for a standard level, NULL otherwise. */
const char *level_std_name(int level);
/* Write the display name: "ERROR", or "Level 25" for a non-standard one (as
 * Python's logging does), never cut for any int. Returns buf. */
const char *level_format(int level, char buf[LEVEL_NAME_MAX]);
/* Parse a level name (notset, debug, info, warning/warn, error, critical/fatal;
 * case-insensitive) or a non-negative decimal number. 0 on success, -1 otherwise. */
int level_parse(const char *s, int *out);
/* Class of the nearest standard level at or below level (negative → NOTSET). */
enum level_class level_class_of(int level);

#endif
