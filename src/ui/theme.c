/* theme.c — how things look: colour pairs when the terminal has colours and
 * NO_COLOR is not set, otherwise attributes only (bold, reverse, dim,
 * underline), so that levels stay distinct on a monochrome terminal. */
#include "app.h"
#include "omslog/level.h"

static attr_t theme_attrs[STYLE_COUNT];

struct theme_colour {
    enum style style;
    short fg, bg;
    attr_t extra; /* added to the colour pair */
    attr_t mono;  /* used instead when there is no colour */
};

/* -1: the terminal's default colour (use_default_colors). */
#define DEF (-1)

static const struct theme_colour theme_table[] = {
    {STYLE_LEVEL_NOTSET, DEF, DEF, A_DIM, A_DIM},
    {STYLE_LEVEL_DEBUG, COLOR_CYAN, DEF, 0, A_DIM | A_UNDERLINE},
    {STYLE_LEVEL_INFO, DEF, DEF, 0, A_NORMAL},
    {STYLE_LEVEL_WARNING, COLOR_YELLOW, DEF, 0, A_UNDERLINE},
    {STYLE_LEVEL_ERROR, COLOR_RED, DEF, A_BOLD, A_BOLD},
    {STYLE_LEVEL_CRITICAL, COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE},
    {STYLE_BAR, COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE},
    {STYLE_BAR_ERROR, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    {STYLE_PLACEHOLDER, DEF, DEF, A_DIM, A_DIM},
    {STYLE_FAILED, COLOR_RED, DEF, 0, A_BOLD},
    {STYLE_MATCH, COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE | A_UNDERLINE},
    {STYLE_NEW, COLOR_GREEN, DEF, A_BOLD, A_BOLD},
    {STYLE_LABEL, COLOR_CYAN, DEF, 0, A_BOLD},
    {STYLE_TRACE_HEADER, COLOR_MAGENTA, DEF, A_BOLD, A_BOLD},
    {STYLE_TRACE_FRAME, COLOR_CYAN, DEF, 0, A_UNDERLINE},
    {STYLE_TRACE_CODE, COLOR_YELLOW, DEF, 0, A_NORMAL},
    {STYLE_TRACE_EXCEPTION, COLOR_RED, DEF, A_BOLD, A_BOLD | A_REVERSE},
    {STYLE_FOLDED, DEF, DEF, A_DIM, A_DIM},
    {STYLE_TITLE, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
    /* A warning that cannot be missed: black on yellow (mono: out of the reverse bar). */
    {STYLE_PRODUCTION, COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD | A_UNDERLINE},
};

void theme_init(bool color)
{
    for (int i = 0; i < STYLE_COUNT; i++)
        theme_attrs[i] = A_NORMAL;
    if (color && has_colors()) {
        start_color();
        use_default_colors();
    } else {
        color = false;
    }
    short pair = 1;
    for (size_t i = 0; i < sizeof theme_table / sizeof theme_table[0]; i++) {
        const struct theme_colour *t = &theme_table[i];
        if (color && pair < COLOR_PAIRS) {
            init_pair(pair, t->fg, t->bg);
            theme_attrs[t->style] = COLOR_PAIR(pair) | t->extra;
            pair++;
        } else {
            theme_attrs[t->style] = t->mono;
        }
    }
}

attr_t theme_attr(enum style s)
{
    return (unsigned)s < STYLE_COUNT ? theme_attrs[s] : A_NORMAL;
}

enum style theme_level_style(int level)
{
    return (enum style)(STYLE_LEVEL_NOTSET + (int)level_class_of(level));
}
