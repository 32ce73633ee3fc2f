#!/usr/bin/env bash
# Throughput benchmark against a static nginx portal farm, nianbao beside Scrapy (issue 10).
#
#   benches/farm/run.sh [HOSTS] [ITEMS_PER_HOST]      (defaults: 100 hosts x 100 items)
#
# Serves HOSTS county portals on 127.0.1.1… with nginx, each a TRS-style annual-report list
# (25 items a page) and ITEMS_PER_HOST item pages of about 25 KB, then crawls the farm with no
# politeness gap (1 ms), 64 requests in flight:
#   - Scrapy, which only fetches and sha256-hashes each body;
#   - nianbao's whole pipeline (decode, classify, discover/extract, digests, raw file, sled,
#     WARC, feed record), with WARC on and then off.
# Prints pages, CPU seconds (user+sys), pages per CPU-second, wall time and max RSS of each, and
# nianbao's ratios to Scrapy. Installs nginx (Debian) and Scrapy (PyPI) when they are missing.
# Figures are only comparable within one run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-100}
ITEMS=${2:-100}

if ! command -v nginx >/dev/null 2>&1 && ! [ -x /usr/sbin/nginx ]; then
    apt-get install -y --no-install-recommends nginx-light >/dev/null 2>&1 \
        || apt-get install -y --no-install-recommends nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
python3 -c "import scrapy" 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check scrapy
[ -x /usr/bin/time ] || apt-get install -y --no-install-recommends time >/dev/null

cargo build --release --locked --quiet
BIN=$PWD/target/release/nianbao

WORK=$(mktemp -d)
chmod 755 "$WORK" # nginx workers run as an unprivileged user
trap '"$NGINX" -c "$WORK/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 benches/farm/farm.py --dir "$WORK" --hosts "$HOSTS" --items "$ITEMS"
"$NGINX" -c "$WORK/nginx.conf"
sleep 1

measure() { # NAME COMMAND... ; prints NAME wall user sys maxrss_kb
    local name=$1; shift
    /usr/bin/time -f "$name %e %U %S %M" -o "$WORK/time.$name" "$@" >"$WORK/out.$name" 2>&1 \
        || { echo "$name failed:" >&2; tail -20 "$WORK/out.$name" >&2; return 1; }
    cat "$WORK/time.$name"
}

write_config() { # DIR WARC
    mkdir -p "$1"
    cat >"$1/config.toml" <<TOML
data_dir = "data"
seeds = ["$WORK/seeds.toml"]
[politeness]
user_agent = "nianbao-bench/0.1 (+https://example.org/bench)"
per_host_interval = "1ms"
per_host_concurrency = 8
per_ip_concurrency = 0
max_concurrency = 64
[warc]
enabled = $2
TOML
}

write_config "$WORK/nb-warc" true
write_config "$WORK/nb-nowarc" false
RESULTS=()
RESULTS+=("$(measure scrapy scrapy runspider benches/farm/spider.py -a starts="$WORK/starts.txt" -s CONCURRENT_REQUESTS=64)")
SCRAPY_PAGES=$(grep -o 'scrapy pages [0-9]*' "$WORK/out.scrapy" | awk '{print $3}')
RESULTS+=("$(measure nianbao_warc "$BIN" --config "$WORK/nb-warc/config.toml" crawl)")
RESULTS+=("$(measure nianbao_nowarc "$BIN" --config "$WORK/nb-nowarc/config.toml" crawl)")
NB_PAGES=$(( HOSTS * (ITEMS + (ITEMS + 24) / 25) ))
DOCS=$("$BIN" --config "$WORK/nb-warc/config.toml" export | wc -l)

echo
echo "farm: $HOSTS hosts x $ITEMS items (+ list pages), nianbao archived $DOCS documents"
printf '%-16s %8s %9s %10s %9s %10s\n' run pages cpu_s pages/cpu_s wall_s max_rss_mb
SCRAPY_RATE=
for line in "${RESULTS[@]}"; do
    read -r name wall user sys rss <<<"$line"
    pages=$NB_PAGES; [ "$name" = scrapy ] && pages=$SCRAPY_PAGES
    cpu=$(echo "$user + $sys" | bc -l)
    rate=$(echo "$pages / $cpu" | bc -l)
    [ "$name" = scrapy ] && SCRAPY_RATE=$rate
    printf '%-16s %8d %9.1f %10.0f %9.1f %10.0f   (ratio to scrapy %.2f)\n' \
        "$name" "$pages" "$cpu" "$rate" "$wall" "$((rss / 1024))" "$(echo "$rate / $SCRAPY_RATE" | bc -l)"
done
