#!/bin/sh
# The scheduled jobs of a multi-process deployment, in one small loop (the image's
# `jiedao-scheduler`; deploy/compose.yaml runs exactly one). The API processes run with
# --no-background, so these run here instead:
#   every 5 minutes  jiedao work escalate                         (overdue work items, one level a day)
#   every hour       jiedao sensors rollup --street S             (hourly roll-ups, raw-reading retention)
#   02:00 China time jiedao credit recompute --street S           (time decay of credit scores)
# Streets: every street of this process's cell enabling the plugin (`jiedao streets list --served`;
# one scheduler per cell, JIEDAO_CLUSTER=<cell>, deploy/README.md "Cells"), read at
# each run so a street added later is not forgotten; JIEDAO_SENSORS_STREETS or
# JIEDAO_CREDIT_STREETS (space-separated slugs) narrow them when set.
# Ingestion, the offline watchdog and notifications have processes of their own
# (jiedao sensors ingest, jiedao notify run). Cron works as well: the same commands, same times.
set -u

job() {  # run one job; a failure is logged and retried next time
    echo "scheduler: $*"
    "$@" || echo "scheduler: failed ($?): $*" >&2
}

streets_with() {  # the slugs of the streets enabling plugin $1 (or the override $2 when set)
    if [ -n "$2" ]; then echo "$2"; return; fi
    jiedao streets list --served | grep -E "plugins:.*[ ,]$1(,|\$)" | cut -d' ' -f1
}

last_hour="" last_day=""
while :; do
    job jiedao work escalate
    hour=$(date -u +%Y%m%d%H)
    if [ "$hour" != "$last_hour" ]; then
        last_hour=$hour
        for street in $(streets_with sensors "${JIEDAO_SENSORS_STREETS:-}"); do job jiedao sensors rollup --street "$street"; done
    fi
    # 02:00 in China (UTC+8) is 18:00 UTC.
    if [ "$(date -u +%H)" = "18" ] && [ "$(date -u +%Y%m%d)" != "$last_day" ]; then
        last_day=$(date -u +%Y%m%d)
        for street in $(streets_with credit "${JIEDAO_CREDIT_STREETS:-}"); do job jiedao credit recompute --street "$street"; done
    fi
    sleep "${JIEDAO_SCHEDULER_INTERVAL:-300}"
done
