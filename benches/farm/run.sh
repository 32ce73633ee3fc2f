#!/usr/bin/env bash
# Benchmark against a static nginx portal farm, nianbao beside Scrapy (issue 10).
#
#   benches/farm/run.sh [raw|polite|slow|all] [HOSTS] [ITEMS_PER_HOST]
#   benches/farm/run.sh [HOSTS] [ITEMS_PER_HOST]          (the raw scenario, as before)
#
# Serves HOSTS county portals on 127.0.1.1… with nginx, each a TRS-style annual-report list
# (25 items a page), ITEMS_PER_HOST item pages of about 25 KB and a robots.txt, then crawls the
# farm with Scrapy (which only fetches and sha256-hashes each body) and with nianbao's whole
# pipeline (decode, classify, discover/extract, digests, raw file, sled, WARC, feed record):
#   raw     100 hosts x 100 items (104 pages a host), no politeness: nianbao's smallest gap
#           (1 ms), 8 requests a host and 64 in all in flight; nianbao with WARC on, then off.
#   polite  300 hosts x 19 items (21 requests a host with the list page and robots.txt) at one
#           request a second a host: nianbao per_host_interval "1s", per_host_concurrency 1;
#           Scrapy DOWNLOAD_DELAY=1, RANDOMIZE_DOWNLOAD_DELAY=False,
#           CONCURRENT_REQUESTS_PER_DOMAIN=1, ROBOTSTXT_OBEY=True, and CONCURRENT_REQUESTS=HOSTS
#           (Scrapy counts requests waiting out their delay against that cap).
#   slow    as polite, with every tenth host's server sending at 8 KB/s (nginx limit_rate 8k).
#   all     the three, each with its defaults (HOSTS and ITEMS_PER_HOST are ignored).
# Prints, for each crawler: pages (status 200 responses other than robots.txt, from the
# server's log), CPU seconds (user+sys), pages per CPU-second, wall time and max RSS; then, from
# the server's log, per-host gap violations and efficiency (gaps.py says how they are defined).
# Installs nginx (Debian) and Scrapy (PyPI) when they are missing. Builds nianbao (release,
# honouring CARGO_TARGET_DIR) unless NIANBAO_BIN names a binary to measure instead.
# ROUNDS=N runs the crawlers N times in turns (Scrapy, then nianbao, round after round) and
# prints each round and the medians; each round's ratio is to that round's Scrapy.
# Figures are only comparable within one run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCENARIO=raw
case "${1:-}" in raw | polite | slow | all) SCENARIO=$1; shift ;; esac
ROUNDS=${ROUNDS:-1}

if ! command -v nginx >/dev/null 2>&1 && ! [ -x /usr/sbin/nginx ]; then
    apt-get install -y --no-install-recommends nginx-light >/dev/null 2>&1 \
        || apt-get install -y --no-install-recommends nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
python3 -c "import scrapy" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check scrapy
[ -x /usr/bin/time ] || apt-get install -y --no-install-recommends time >/dev/null

if [ -n "${NIANBAO_BIN:-}" ]; then
    BIN=$(realpath "$NIANBAO_BIN")
else
    cargo build --release --locked --quiet
    TARGET=$(cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    BIN=$TARGET/release/nianbao
fi

TOP=$(mktemp -d)
chmod 755 "$TOP" # nginx workers run as an unprivileged user
WORK=
stop_nginx() { [ -n "$WORK" ] && "$NGINX" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; }
trap 'stop_nginx; rm -rf "$TOP"' EXIT

measure() { # NAME COMMAND... ; prints NAME wall user sys maxrss_kb, keeps the server's log of it
    local name=$1; shift
    /usr/bin/time -f "$name %e %U %S %M" -o "$WORK/time.$name" "$@" >"$WORK/out.$name" 2>&1 \
        || { echo "$name failed:" >&2; tail -20 "$WORK/out.$name" >&2; return 1; }
    mv "$WORK/access.log" "$WORK/access.$name.log"
    "$NGINX" -c "$WORK/nginx.conf" -s reopen
    sleep 1
    cat "$WORK/time.$name"
}

write_config() { # DIR WARC INTERVAL PER_HOST
    mkdir -p "$1"
    cat >"$1/config.toml" <<TOML
data_dir = "data"
seeds = ["$WORK/seeds.toml"]
[politeness]
user_agent = "nianbao-bench/0.1 (+https://example.org/bench)"
per_host_interval = "$3"
per_host_concurrency = $4
per_ip_concurrency = 0
max_concurrency = 64
[warc]
enabled = $2
TOML
}

scenario() { # NAME HOSTS ITEMS
    local name=$1 hosts=$2 items=$3 slow_every=0 interval=1ms per_host=8
    local scrapy_settings=(-s CONCURRENT_REQUESTS=64)
    if [ "$name" != raw ]; then
        interval=1s per_host=1
        scrapy_settings=(-s DOWNLOAD_DELAY=1 -s RANDOMIZE_DOWNLOAD_DELAY=False
            -s CONCURRENT_REQUESTS_PER_DOMAIN=1 -s ROBOTSTXT_OBEY=True
            -s CONCURRENT_REQUESTS="$hosts")
    fi
    [ "$name" = slow ] && slow_every=10
    WORK=$TOP/$name
    mkdir -p "$WORK"
    chmod 755 "$WORK"
    python3 benches/farm/farm.py --dir "$WORK" --hosts "$hosts" --items "$items" \
        --slow-every "$slow_every"
    "$NGINX" -c "$WORK/nginx.conf"
    sleep 1

    local crawlers=(scrapy nianbao)
    [ "$name" = raw ] && crawlers=(scrapy nianbao_warc nianbao_nowarc)
    local results=() crawler run round
    for round in $(seq 1 "$ROUNDS"); do
        for crawler in "${crawlers[@]}"; do
            run=$crawler
            [ "$ROUNDS" -gt 1 ] && run=$crawler.$round
            if [ "$crawler" = scrapy ]; then
                results+=("$(measure "$run" scrapy runspider benches/farm/spider.py \
                    -a starts="$WORK/starts.txt" "${scrapy_settings[@]}")")
            else
                # Each run has a data_dir of its own, kept until the end: files deleted
                # minutes before make ext4 slower to allocate inodes (see the README).
                write_config "$WORK/$run" "$([ "$crawler" = nianbao_nowarc ] && echo false || echo true)" \
                    "$interval" "$per_host"
                results+=("$(measure "$run" "$BIN" --config "$WORK/$run/config.toml" crawl)")
            fi
        done
    done
    stop_nginx

    echo
    echo "$name: $hosts hosts x $items items (+ list pages and robots.txt), gap ${interval}$(
        [ "$slow_every" -gt 0 ] && echo ", every ${slow_every}th host at 8 KB/s")"
    printf '%-16s %8s %9s %10s %9s %10s\n' run pages cpu_s pages/cpu_s wall_s max_rss_mb
    local scrapy_rate= line wall user sys rss pages cpu rate rates=()
    for line in "${results[@]}"; do
        read -r run wall user sys rss <<<"$line"
        pages=$(awk '$4 == 200 && $0 !~ /robots\.txt/' "$WORK/access.$run.log" | wc -l)
        cpu=$(echo "$user + $sys" | bc -l)
        rate=$(echo "$pages / $cpu" | bc -l)
        # Each round's ratio is to that round's Scrapy (runs come in turns, Scrapy first).
        [ "${run%%.*}" = scrapy ] && scrapy_rate=$rate
        rates+=("${run%%.*} $rate $(echo "$rate / $scrapy_rate" | bc -l) $((rss / 1024))")
        printf '%-16s %8d %9.1f %10.0f %9.1f %10.0f   (ratio to scrapy %.2f)\n' \
            "$run" "$pages" "$cpu" "$rate" "$wall" "$((rss / 1024))" "$(echo "$rate / $scrapy_rate" | bc -l)"
    done
    if [ "$ROUNDS" -gt 1 ]; then
        echo "medians over $ROUNDS rounds:"
        printf '%s\n' "${rates[@]}" | python3 -c '
import statistics, sys
rows = {}
for line in sys.stdin:
    name, rate, ratio, rss = line.split()
    rows.setdefault(name, []).append((float(rate), float(ratio), int(rss)))
for name, runs in rows.items():
    med = lambda i: statistics.median(r[i] for r in runs)
    ratios = ", ".join(f"{r[1]:.2f}" for r in runs)
    print(f"{name:<16} {med(0):10.0f} pages/cpu_s, ratio to scrapy {med(1):.2f} (rounds: {ratios}), max_rss {med(2):.0f} MB")
'
    fi
    echo
    local header=--header seconds
    seconds=$([ "$name" = raw ] && echo 0.001 || echo 1)
    for line in "${results[@]}"; do
        read -r run _ <<<"$line"
        python3 benches/farm/gaps.py --log "$WORK/access.$run.log" --hosts "$WORK/hosts.tsv" \
            --interval "$seconds" --label "$run" $header
        header=
    done
    [ "$name" = raw ] && echo "(raw: a 1 ms gap less the log's 1 ms resolution checks nothing; efficiency" \
        "is the share of one request a millisecond a host got. Scrapy promises no gap here.)"
    return 0
}

case "$SCENARIO" in
raw) scenario raw "${1:-100}" "${2:-100}" ;;
polite | slow) scenario "$SCENARIO" "${1:-300}" "${2:-19}" ;;
all) # one scenario a line: set -e does not reach into a function called within `&&`
    scenario raw 100 100
    scenario polite 300 19
    scenario slow 300 19
    ;;
esac
