//! robots.txt rules of one origin, with RFC 9309's status rules: a 4xx means allow everything,
//! a 5xx or an unreachable server means disallow everything for now.

use texting_robots::Robot;

/// robots.txt files are read up to this size (RFC 9309 asks for at least 500 KiB).
pub const ROBOTS_MAX_BYTES: usize = 500 * 1024;

/// The product token of a User-Agent header, matched against robots.txt User-agent lines
/// (RFC 9309 2.2.1: the leading run of letters, `-` and `_`, compared case-insensitively):
/// `nianbao/0.1 (+https://…)` gives `nianbao`. A user agent that starts otherwise has no token
/// and only the `*` group applies to it.
pub fn product_token(user_agent: &str) -> &str {
    let trimmed = user_agent.trim_start();
    let end = trimmed
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '-' || c == '_'))
        .unwrap_or(trimmed.len());
    match &trimmed[..end] {
        "" => "*",
        token => token,
    }
}

pub enum RobotsRules {
    AllowAll,
    /// Everything is disallowed for this run: `why` (status 5xx, unreachable, redirected too
    /// often ...), and whether it is the server's own failure (`on_server`: down, 5xx) rather than
    /// its robots.txt's (a redirect loop, a redirect to a host that failed, an oversize body),
    /// which must not count against the server in the run report.
    DisallowAll {
        why: String,
        on_server: bool,
    },
    Rules(Box<Robot>),
}

impl std::fmt::Debug for RobotsRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RobotsRules::AllowAll => write!(f, "AllowAll"),
            RobotsRules::DisallowAll { why, .. } => write!(f, "DisallowAll({why})"),
            RobotsRules::Rules(r) => write!(f, "Rules(delay={:?})", r.delay),
        }
    }
}

impl RobotsRules {
    /// Rules for the crawler whose product token is `agent` (see [`product_token`]) from a
    /// fetched robots.txt: `status` of the final response, `body` capped.
    pub fn from_response(agent: &str, status: u16, body: &[u8]) -> RobotsRules {
        match status {
            200..=299 => {
                let body = normalised(&readable(&body[..body.len().min(ROBOTS_MAX_BYTES)]));
                match Robot::new(agent, &body) {
                    Ok(robot) => RobotsRules::Rules(Box::new(robot)),
                    // An unparseable file gives no rules, which RFC 9309 treats as allow-all.
                    Err(_) => RobotsRules::AllowAll,
                }
            }
            400..=499 => RobotsRules::AllowAll,
            _ => RobotsRules::DisallowAll {
                why: format!("robots.txt answered HTTP {status}"),
                on_server: (500..600).contains(&status),
            },
        }
    }

    pub fn allowed(&self, url: &str) -> bool {
        match self {
            RobotsRules::AllowAll => true,
            RobotsRules::DisallowAll { .. } => false,
            RobotsRules::Rules(robot) => robot.allowed(url),
        }
    }

    /// Crawl-delay in seconds, when given and sensible.
    pub fn crawl_delay(&self) -> Option<std::time::Duration> {
        match self {
            RobotsRules::Rules(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| std::time::Duration::from_secs_f32(d.min(86_400.0))),
            _ => None,
        }
    }
}

/// A robots.txt's bytes as `normalised` and the matcher read them: UTF-8 without a byte-order
/// mark, lines ended by LF or CRLF. A BOM would hide the first line's key from `normalised`, a
/// file saved as UTF-16 (with its BOM) is unreadable to the matcher, and a bare CR (RFC 9309
/// ends a line with CR, LF or CRLF) would join every line into one: each lost its rules silently.
fn readable(body: &[u8]) -> Vec<u8> {
    let text: std::borrow::Cow<'_, [u8]> = match encoding_rs::Encoding::for_bom(body) {
        Some((encoding, bom)) if encoding == encoding_rs::UTF_8 => body[bom..].into(),
        Some((encoding, _)) => encoding
            .decode_with_bom_removal(body)
            .0
            .into_owned()
            .into_bytes()
            .into(),
        None => body.into(),
    };
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter().peekable();
    while let Some(&b) = bytes.next() {
        out.push(if b == b'\r' && bytes.peek() != Some(&&b'\n') {
            b'\n'
        } else {
            b
        });
    }
    out
}

/// A robots.txt as webmasters write it, in the form the matcher reads:
/// - a `User-agent` value cut to its product token, as RFC 9309 matches it and Google's parser
///   reads it (webmasters paste the whole `nianbao/0.1 (+https://…)` from their logs);
/// - the hex digits of `%xx` escapes in `Allow`/`Disallow` upper-cased, as request paths have
///   them (RFC 3986: `%e5` and `%E5` are one octet).
fn normalised(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|b| *b == b'\n') {
        let start = line.len() - line.trim_ascii_start().len();
        let rest = &line[start..];
        let key_end = rest.iter().position(|b| *b == b':').unwrap_or(rest.len());
        let key = rest[..key_end].trim_ascii().to_ascii_lowercase();
        if key_end == rest.len() {
            out.extend_from_slice(line);
            continue;
        }
        let (head, value) = line.split_at(start + key_end + 1);
        out.extend_from_slice(head);
        match key.as_slice() {
            b"user-agent" => {
                let lead = value.len() - value.trim_ascii_start().len();
                let token = &value[lead..];
                let end = token
                    .iter()
                    .position(|b| !(b.is_ascii_alphabetic() || matches!(b, b'-' | b'_' | b'*')))
                    .unwrap_or(token.len());
                out.extend_from_slice(&value[..lead]);
                out.extend_from_slice(&token[..end]);
                if line.ends_with(b"\n") {
                    out.push(b'\n');
                }
            }
            b"allow" | b"disallow" => {
                let mut escape = 0;
                for b in value {
                    if *b == b'%' {
                        escape = 2;
                        out.push(*b);
                    } else if escape > 0 {
                        escape -= 1;
                        out.push(b.to_ascii_uppercase());
                    } else {
                        out.push(*b);
                    }
                }
            }
            _ => out.extend_from_slice(value),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A User-agent line with a version or the whole header, and lower-case escapes.
    #[test]
    fn groups_and_escapes_as_webmasters_write_them() {
        for group in [
            "nianbao/0.1",
            "nianbao/0.1 (+https://example.org/contact)",
            "  NIANBAO/2",
            "nianbao # our crawler",
        ] {
            let robots =
                format!("User-agent: {group}\r\nDisallow: /\r\n\r\nUser-agent: *\r\nAllow: /\r\n");
            let rules = RobotsRules::from_response("nianbao", 200, robots.as_bytes());
            assert!(!rules.allowed("http://a.gov.cn/x"), "{group:?}");
        }
        let other = b"User-agent: nianbaox/1\nDisallow: /\n";
        assert!(RobotsRules::from_response("nianbao", 200, other).allowed("http://a.gov.cn/x"));
        for rule in [
            "%e5%b9%b4%e6%8a%a5",
            "%E5%B9%B4%E6%8A%A5",
            "%e5%B9%b4%E6%8a%a5",
        ] {
            let robots = format!("User-agent: *\nDisallow: /xxgk/{rule}/\n");
            let rules = RobotsRules::from_response("nianbao", 200, robots.as_bytes());
            assert!(
                !rules.allowed("http://a.gov.cn/xxgk/%E5%B9%B4%E6%8A%A5/t1.html"),
                "{rule}"
            );
            assert!(rules.allowed("http://a.gov.cn/xxgk/gknb/t1.html"), "{rule}");
        }
    }

    #[test]
    fn status_rules_follow_rfc_9309() {
        let cases: &[(u16, &[u8], &str, bool)] = &[
            (
                200,
                b"User-agent: *\nDisallow: /search/\n",
                "http://a.gov.cn/search/x",
                false,
            ),
            (
                200,
                b"User-agent: *\nDisallow: /search/\n",
                "http://a.gov.cn/zwgk/x",
                true,
            ),
            (
                200,
                b"User-agent: nianbao\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
                "http://a.gov.cn/x",
                false,
            ),
            (404, b"", "http://a.gov.cn/anything", true),
            (403, b"", "http://a.gov.cn/anything", true),
            (500, b"", "http://a.gov.cn/anything", false),
            (503, b"", "http://a.gov.cn/anything", false),
        ];
        for (status, body, url, allowed) in cases {
            let rules = RobotsRules::from_response("nianbao", *status, body);
            assert_eq!(rules.allowed(url), *allowed, "status {status}, {url}");
        }
    }

    #[test]
    fn crawl_delay_is_read_and_gbk_files_parse() {
        let rules = RobotsRules::from_response(
            "nianbao",
            200,
            b"User-agent: *\nCrawl-delay: 3\nDisallow: /admin/\n",
        );
        assert_eq!(rules.crawl_delay(), Some(std::time::Duration::from_secs(3)));
        let (gbk, _, _) =
            encoding_rs::GBK.encode("# 政府网站 robots\nUser-agent: *\nDisallow: /内部/\n");
        let rules = RobotsRules::from_response("nianbao", 200, &gbk);
        assert!(rules.allowed("http://a.gov.cn/zwgk/"));
    }

    #[test]
    fn rules_follow_the_configured_product_token() {
        let robots = b"User-agent: nianbao\nDisallow: /a/\n\nUser-agent: County-Bot\nDisallow: /b/\n\nUser-agent: *\nDisallow: /c/\n";
        // (user agent, URL, allowed)
        let cases = [
            (
                "nianbao/0.1 (+https://example.org)",
                "http://a.gov.cn/a/x",
                false,
            ),
            (
                "nianbao/0.1 (+https://example.org)",
                "http://a.gov.cn/b/x",
                true,
            ),
            (
                "county-bot/2 (+https://example.org)",
                "http://a.gov.cn/b/x",
                false,
            ),
            (
                "county-bot/2 (+https://example.org)",
                "http://a.gov.cn/a/x",
                true,
            ),
            ("nianbao-test/0.1 (+http://x)", "http://a.gov.cn/c/x", false),
            ("nianbao-test/0.1 (+http://x)", "http://a.gov.cn/a/x", true),
            ("0day (+http://x)", "http://a.gov.cn/c/x", false),
        ];
        for (agent, url, allowed) in cases {
            let rules = RobotsRules::from_response(product_token(agent), 200, robots);
            assert_eq!(rules.allowed(url), allowed, "{agent}: {url}");
        }
        assert_eq!(product_token("County-Bot/2 (x)"), "County-Bot");
        assert_eq!(product_token("nianbao_x"), "nianbao_x");
        assert_eq!(product_token("  "), "*");
    }
    /// A robots.txt as servers send it at the byte level: a UTF-8 BOM before a User-agent line
    /// written with the whole header, lines ended by a bare CR (old Mac editors; RFC 9309 allows
    /// CR, LF and CRLF), a file saved as UTF-16 with its BOM. Each rule must still apply.
    #[test]
    fn byte_level_forms_of_a_robots_txt_keep_their_rules() {
        let utf16 = |text: &str, big: bool| {
            let mut bytes = if big {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for unit in text.encode_utf16() {
                bytes.extend_from_slice(&if big {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
            bytes
        };
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("BOM, *", b"\xEF\xBB\xBFUser-agent: *\nDisallow: /private/\n".to_vec()),
            (
                "BOM, whole header",
                b"\xEF\xBB\xBFUser-agent: nianbao/0.1 (+x)\nDisallow: /private/\n\nUser-agent: *\nAllow: /\n"
                    .to_vec(),
            ),
            ("CR only", b"User-agent: *\rDisallow: /private/\r".to_vec()),
            ("CRLF", b"User-agent: *\r\nDisallow: /private/\r\n".to_vec()),
            ("UTF-16LE", utf16("User-agent: *\r\nDisallow: /private/\r\n", false)),
            ("UTF-16BE", utf16("User-agent: *\nDisallow: /private/\n", true)),
        ];
        for (name, body) in cases {
            let rules = RobotsRules::from_response("nianbao", 200, &body);
            assert!(
                !rules.allowed("http://a.gov.cn/private/x"),
                "{name}: {rules:?}"
            );
            assert!(rules.allowed("http://a.gov.cn/zwgk/x"), "{name}: {rules:?}");
        }
    }
}
