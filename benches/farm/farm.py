#!/usr/bin/env python3
"""Writes a static portal farm for the throughput benchmark (see run.sh).

Each host is one county government's annual-report section served by nginx on its own loopback
address (127.0.1.1 … 127.0.1.250, then 127.0.2.1 …, port 8080): `index.html`, `index_1.html` …
list pages of 25 items with a TRS-style pager, item pages of about 25 KB each (metadata table,
report text, a statistics table) and a robots.txt that allows everything. It also writes the nginx
configuration (one access log for every host, one line per request: see LOG_FORMAT), the seeds
for nianbao, the Scrapy spider's start URLs, and `hosts.tsv` (address, then `fast` or `slow`).
With `--slow-every N`, every Nth host's server sends at `--slow-rate` (nginx `limit_rate`).
"""
import argparse
import os
import random

TOWNS = "东西南北中上下前后左右新老大小金银石水山河湖林"
PARA = (
    "根据《中华人民共和国政府信息公开条例》要求，编制发布本报告。本报告包括总体情况、主动公开政府信息情况、"
    "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、"
    "其他需要报告的事项六个部分，所列数据统计期限从{year}年1月1日起至{year}年12月31日止。"
    "{year}年，{body}深入贯彻落实政务公开工作部署，累计公开各类信息{n}条，发布政策解读{m}条。"
)


def item_page(host, n, year, body):
    rnd = random.Random(host * 1000 + n)
    paras = "\n".join(
        "<p>" + PARA.format(year=year, body=body, n=rnd.randint(100, 9999), m=rnd.randint(1, 99)) + "</p>"
        for _ in range(40)
    )
    rows = "\n".join(
        f"<tr><td>{label}</td><td>{rnd.randint(0, 50)}</td><td>{rnd.randint(0, 9)}</td><td>{rnd.randint(0, 9)}</td></tr>"
        for label in ["一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开", "（二）部分公开", "（七）总计"]
    )
    title = f"{body}{year}年政府信息公开工作年度报告"
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="nav">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
<table class="xxgk"><tr><td>索引号</td><td>{host:03d}-{year}-{n:06d}</td><td>发布机构</td><td>{body}</td></tr>
<tr><td>发布日期</td><td>{year + 1}-01-{1 + n % 28:02d}</td><td>文号</td><td>〔{year + 1}〕{n}号</td></tr></table>
<h1>{title}</h1>
<div class="TRS_Editor">{paras}
<table border="1">{rows}</table></div>
<div class="footer">主办单位：{body}办公室</div></body></html>
"""


def list_page(host, page, pages, items):
    links = "\n".join(f'<li><a href="{href}" title="{title}">{title}</a><span>{date}</span></li>' for href, title, date in items)
    pager = f'<script>createPageHTML({pages}, {page}, "index", "html");</script>'
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head>
<body><div class="nav">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
<ul class="list">{links}</ul>
<div class="page">共{pages}页 {pager}</div></body></html>
"""


# The analyser (gaps.py) reads these fields by position: when the response ended ($msec, seconds
# with millisecond resolution), how long the request took from its first byte read
# ($request_time), the address it came in on (one per host), the status and the request line.
LOG_FORMAT = '$msec $request_time $server_addr $status $body_bytes_sent "$request"'


def address(h):
    """The loopback address of host `h` (1-based): 250 hosts per /24, avoiding .0 and .255."""
    return f"127.0.{1 + (h - 1) // 250}.{1 + (h - 1) % 250}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--items", type=int, default=100)
    ap.add_argument("--per-page", type=int, default=25)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--slow-every", type=int, default=0, help="every Nth host is slow (0: none)")
    ap.add_argument("--slow-rate", default="8k", help="nginx limit_rate of the slow hosts")
    a = ap.parse_args()
    root = os.path.abspath(a.dir)
    servers, portals, starts, classes = [], [], [], []
    for h in range(1, a.hosts + 1):
        addr = address(h)
        slow = a.slow_every > 0 and h % a.slow_every == 0
        body = f"{TOWNS[h % len(TOWNS)]}{TOWNS[(h // len(TOWNS)) % len(TOWNS)]}县第{h}人民政府"
        site = os.path.join(root, "www", addr)
        os.makedirs(site, exist_ok=True)
        items = []
        for n in range(a.items):
            year = 2008 + n % 17
            name = f"t{year + 1}0115_{n}.html"
            with open(os.path.join(site, name), "w", encoding="utf-8") as f:
                f.write(item_page(h, n, year, f"{body}{n}号办公室" if n >= 17 else body))
            items.append((name, f"{body}{year}年政府信息公开工作年度报告（{n}）", f"{year + 1}-01-15"))
        pages = (len(items) + a.per_page - 1) // a.per_page
        for p in range(pages):
            name = "index.html" if p == 0 else f"index_{p}.html"
            chunk = items[p * a.per_page:(p + 1) * a.per_page]
            with open(os.path.join(site, name), "w", encoding="utf-8") as f:
                f.write(list_page(h, p, pages, chunk))
        with open(os.path.join(site, "robots.txt"), "w") as f:
            f.write("User-agent: *\nAllow: /\n")
        limit = f" limit_rate {a.slow_rate};" if slow else ""
        servers.append(f"server {{ listen {addr}:{a.port}; root {site};{limit} }}")
        classes.append(f"{addr}\t{'slow' if slow else 'fast'}")
        portals.append(f'[[portal]]\nname = "{body}"\nurl = "http://{addr}:{a.port}/index.html"\n')
        starts.append(f"http://{addr}:{a.port}/index.html")
    with open(os.path.join(root, "nginx.conf"), "w") as f:
        f.write(f"""worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  default_type text/html;
  keepalive_requests 100000;
  log_format farm '{LOG_FORMAT}';
  access_log {root}/access.log farm;
  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  {chr(10).join(servers)}
}}
""")
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    with open(os.path.join(root, "seeds.toml"), "w", encoding="utf-8") as f:
        f.write("\n".join(portals))
    with open(os.path.join(root, "starts.txt"), "w") as f:
        f.write("\n".join(starts) + "\n")
    with open(os.path.join(root, "hosts.tsv"), "w") as f:
        f.write("\n".join(classes) + "\n")


if __name__ == "__main__":
    main()
