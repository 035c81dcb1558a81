/* level.c — see include/omslog/level.h */
#include "omslog/level.h"

#include <stdio.h>

#include "omslog/util.h"

static const struct {
    const char *name;
    int value;
} level_names[] = {
    {"NOTSET", LEVEL_NOTSET},   {"DEBUG", LEVEL_DEBUG}, {"INFO", LEVEL_INFO},
    {"WARNING", LEVEL_WARNING}, {"ERROR", LEVEL_ERROR}, {"CRITICAL", LEVEL_CRITICAL},
};

/* Aliases Python's logging also accepts. */
static const struct {
    const char *name;
    int value;
} level_aliases[] = {{"WARN", LEVEL_WARNING}, {"FATAL", LEVEL_CRITICAL}};

#define LEVEL_PARSE_MAX 1000000

const char *level_std_name(int level)
{
    for (size_t i = 0; i < ARRAY_LEN(level_names); i++)
        if (level_names[i].value == level)
            return level_names[i].name;
    return NULL;
}

const char *level_format(int level, char buf[LEVEL_NAME_MAX])
{
    const char *name = level_std_name(level);
    if (name)
        snprintf(buf, LEVEL_NAME_MAX, "%s", name);
    else
        snprintf(buf, LEVEL_NAME_MAX, "Level %d", level);
    return buf;
}

int level_parse(const char *s, int *out)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < ARRAY_LEN(level_names); i++)
        if (ascii_casecmp(s, level_names[i].name) == 0) {
            *out = level_names[i].value;
            return 0;
        }
    for (size_t i = 0; i < ARRAY_LEN(level_aliases); i++)
        if (ascii_casecmp(s, level_aliases[i].name) == 0) {
            *out = level_aliases[i].value;
            return 0;
        }
    int64_t v;
    if (parse_int64(s, &v) == 0 && v >= 0 && v <= LEVEL_PARSE_MAX) {
        *out = (int)v;
        return 0;
    }
    return -1;
}

enum level_class level_class_of(int level)
{
    for (int c = LEVEL_CLASS_CRITICAL; c > LEVEL_CLASS_NOTSET; c--)
        if (level >= level_names[c].value)
            return (enum level_class)c;
    return LEVEL_CLASS_NOTSET;
}
