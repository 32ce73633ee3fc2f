"""The Scrapy side of the farm benchmark: walks each host's list pages (reading the TRS pager's
page count, as nianbao does) and fetches every item, hashing each body with sha256 and nothing
more. Run by run.sh as `scrapy runspider spider.py -a starts=FILE -a concurrency=N`."""
import hashlib
import re

import scrapy

PAGER = re.compile(rb"createPageHTML\((\d+)")


class FarmSpider(scrapy.Spider):
    name = "farm"

    def __init__(self, starts, concurrency="64", **kw):
        super().__init__(**kw)
        with open(starts) as f:
            self.start_urls = [line.strip() for line in f if line.strip()]
        self.pages = 0

    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "CONCURRENT_REQUESTS_PER_IP": 0,
    }

    def parse(self, response):
        """A start URL: the first list page of a host."""
        yield from self.parse_list(response, first=True)

    def parse_list(self, response, first=False):
        self.pages += 1
        hashlib.sha256(response.body).hexdigest()
        if first:
            m = PAGER.search(response.body)
            for k in range(1, int(m.group(1)) if m else 1):
                yield response.follow(f"index_{k}.html", callback=self.parse_list)
        for href in response.css("ul.list a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_item)

    def parse_item(self, response):
        self.pages += 1
        hashlib.sha256(response.body).hexdigest()

    def closed(self, reason):
        print(f"scrapy pages {self.pages}", flush=True)
