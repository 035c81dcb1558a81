/* ui.h — the interactive browser (everything under src/ui/). The only part of
 * omslog that knows curses; nothing outside src/ui/ includes <curses.h>.
 *
 * Contract: ui_run takes over the terminal, runs the event loop until the user
 * quits, and always restores the terminal (also on SIGTERM, SIGHUP and fatal
 * errors). The api is borrowed, not freed. Returns an exit status (error.h):
 * OMSLOG_OK on a normal quit; 128 + N when signal N (SIGINT, SIGTERM, SIGHUP)
 * ended it, or 128 + SIGHUP when the terminal hung up, with err left empty:
 * the shell convention for "killed by signal N", reported after the terminal
 * is restored. Ctrl-Z suspends (the terminal restored while stopped).
 * With OMSLOG_DEBUG_DRAWS=path set, path holds the number of frames drawn
 * so far (for tests: a wake that changes nothing visible draws no frame). */
#ifndef OMSLOG_UI_H
#define OMSLOG_UI_H

#include <stdint.h>

#include "omslog/api.h"
#include "omslog/config.h"
#include "omslog/error.h"
#include "omslog/filesrc.h"
#include "omslog/filter.h"

int ui_run(const struct config *cfg, struct api *api, struct omslog_error *err);
/* omslog open: the same browser over the entries of a file (borrowed, not
 * freed); no network, no follow mode, no server URL to copy. */
int ui_run_file(const struct config *cfg, struct filesrc *file, struct omslog_error *err);

/* Where a link opens the browser: on entry jump_id (as `:` does, selected
 * with its neighbours; 0 for none) and/or with a view filter (copied; NULL
 * for none). ui_run is ui_run_at with start NULL. */
struct ui_start {
    int64_t jump_id;
    const struct filter *filter;
    struct filesrc *file; /* omslog open: the entries of a file, NULL: the api's */
    bool reprobe;         /* the server's filters probed again, not remembered */
};
int ui_run_at(const struct config *cfg, struct api *api, const struct ui_start *start,
              struct omslog_error *err);

#endif
