//! Which hosts are one site (every host that shares a registrable domain under the Public Suffix
//! List, so `www.hd.gov.cn` and `hdzfxxgk.hd.gov.cn`), and so where a portal's lists are walked
//! (its section's site), which hosts they take items from (the list's site and the hosts the
//! portal's config names in `item_hosts`), and whose gap a host without one of its own takes.
//! Pure functions of host names; the crawl asks them before it queues a list page or an item and
//! on each hop of its fetch.

use std::fmt;
use std::net::IpAddr;

/// A host named in a portal's `item_hosts`: one host (`xxgk.example.gov.cn`, `10.0.0.5`) or, as
/// `*.example.com`, every host under a domain (not the domain's own host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// This host only, as `host_key` spells it (lower case, IDN labels as `xn--`).
    Exact(String),
    /// Any host ending in `.` + this domain.
    Under(String),
}

/// The forms `item_hosts` accepts, worded once for the config's messages.
pub const HOST_PATTERN_FORM: &str =
    "a host name such as \"xxgk.example.gov.cn\" or \"*.example.com\" (no scheme, port or path)";

impl HostPattern {
    /// Reads one `item_hosts` entry; the error says what was expected and what was found.
    pub fn parse(text: &str) -> Result<HostPattern, String> {
        let wrong = |why: &str| format!("expected {HOST_PATTERN_FORM}, found {text:?} ({why})");
        if text.is_empty() {
            return Err(wrong("empty"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(wrong("spaces"));
        }
        if text.contains("://") {
            return Err(wrong("a URL, not a host"));
        }
        let (wildcard, name) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let ipv6 = name.starts_with('[') && name.ends_with(']');
        if name.contains(['/', '\\', '?', '#', '@', '*']) || (name.contains(':') && !ipv6) {
            return Err(wrong("not a host name"));
        }
        // The URL parser spells the host as fetched URLs spell theirs: lower case, IDN labels
        // as `xn--`, IPv4 in dotted decimal.
        let host = url::Url::parse(&format!("http://{name}/"))
            .ok()
            .and_then(|u| u.host_str().map(normal))
            .filter(|h| !h.is_empty())
            .ok_or_else(|| wrong("not a host name"))?;
        if !wildcard {
            return Ok(HostPattern::Exact(host));
        }
        // `*.gov.cn` would take every government site in the country.
        if registrable_domain(&host).is_none() {
            return Err(wrong("a wildcard needs a registrable domain under it"));
        }
        Ok(HostPattern::Under(host))
    }

    /// Whether `host` (as `host_key` gives it) is one this pattern names.
    pub fn matches(&self, host: &str) -> bool {
        let host = normal(host);
        match self {
            HostPattern::Exact(name) => host == *name,
            HostPattern::Under(domain) => host
                .strip_suffix(domain.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Exact(host) => f.write_str(host),
            HostPattern::Under(domain) => write!(f, "*.{domain}"),
        }
    }
}

/// A host as compared here: lower case, without the trailing dot of a fully qualified name.
fn normal(host: &str) -> String {
    let host = host.strip_suffix('.').unwrap_or(host);
    host.to_ascii_lowercase()
}

/// The registrable domain of `host` (`hd.gov.cn` for `hdzfxxgk.hd.gov.cn`): the public suffix
/// and one label before it. `None` for an IP address, a public suffix itself, and a name under
/// no suffix the list knows (`localhost`, `intranet.local`): such a host is its own site.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = normal(host);
    if host.starts_with('[') || host.parse::<IpAddr>().is_ok() {
        return None;
    }
    let domain = psl::domain(host.as_bytes())?;
    if !domain.suffix().is_known() {
        return None;
    }
    std::str::from_utf8(domain.as_bytes())
        .ok()
        .map(str::to_owned)
}

/// Whether two hosts are one site: the same host, or hosts with the same registrable domain.
pub fn same_site(a: &str, b: &str) -> bool {
    let (a, b) = (normal(a), normal(b));
    if a == b {
        return true;
    }
    match (registrable_domain(&a), registrable_domain(&b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Whether a list on `list_host` takes an entry on `host` as its item: `host` is on the list's
/// site or among the portal's `item_hosts`. Any other page is another site's.
pub fn is_item_host(list_host: &str, host: &str, item_hosts: &[HostPattern]) -> bool {
    same_site(list_host, host) || item_hosts.iter().any(|p| p.matches(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_one_registrable_domain_are_one_site() {
        let cases = [
            // The Handan portal and its disclosure platform.
            ("www.hd.gov.cn", "hdzfxxgk.hd.gov.cn", true),
            ("www.hd.gov.cn", "hd.gov.cn", true),
            ("www.x.gov.cn", "xxgk.x.gov.cn", true),
            ("www.x.gov.cn", "a.b.x.gov.cn", true),
            // gov.cn is a public suffix: the State Council and a province are other sites.
            ("www.hd.gov.cn", "www.gov.cn", false),
            ("www.hd.gov.cn", "www.hebei.gov.cn", false),
            ("www.gov.cn", "www.hebei.gov.cn", false),
            ("www.gov.cn", "gov.cn", false),
            ("www.gov.cn", "sousuo.www.gov.cn", true),
            // Other second-level suffixes of .cn.
            ("www.baidu.com.cn", "news.baidu.com.cn", true),
            ("www.a.com.cn", "www.b.com.cn", false),
            ("www.pku.edu.cn", "xxgk.pku.edu.cn", true),
            ("www.pku.edu.cn", "www.tsinghua.edu.cn", false),
            ("www.redcross.org.cn", "xxgk.redcross.org.cn", true),
            ("www.a.org.cn", "www.b.org.cn", false),
            ("www.example.cn", "xxgk.example.cn", true),
            ("www.example.com", "files.example.com", true),
            // An IP address is its own site only.
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("10.0.0.1", "10.1.0.1", false),
            ("[::1]", "[::1]", true),
            ("[::1]", "[::2]", false),
            // The trailing dot of a fully qualified name, and upper case, change nothing.
            ("www.hd.gov.cn.", "hdzfxxgk.hd.gov.cn", true),
            ("WWW.HD.GOV.CN", "hdzfxxgk.hd.gov.cn", true),
            ("www.gov.cn.", "www.hebei.gov.cn.", false),
            // IDN names as URLs spell them: the suffixes 中国 and 公司.cn, 网络.cn.
            ("www.xn--fiqs8s", "xn--fiqs8s", false),
            (
                "www.xn--55qx5d.xn--fiqs8s",
                "xxgk.xn--55qx5d.xn--fiqs8s",
                true,
            ),
            ("www.xn--55qx5d.cn", "www.xn--55qx5d.cn", true),
            ("www.a.xn--55qx5d.cn", "xxgk.a.xn--55qx5d.cn", true),
            ("a.xn--55qx5d.cn", "b.xn--55qx5d.cn", false),
            ("a.xn--55qx5d.cn", "a.xn--io0a7i.cn", false),
            // Names under no known suffix match only themselves.
            ("localhost", "localhost", true),
            ("localhost", "a.localhost", false),
            ("a.localhost", "b.localhost", false),
            ("a.intranet.local", "b.intranet.local", false),
            ("", "www.hd.gov.cn", false),
        ];
        for (a, b, same) in cases {
            assert_eq!(same_site(a, b), same, "{a} and {b}");
            assert_eq!(same_site(b, a), same, "{b} and {a}");
        }
    }

    #[test]
    fn registrable_domains() {
        let cases = [
            ("hdzfxxgk.hd.gov.cn", Some("hd.gov.cn")),
            ("hd.gov.cn", Some("hd.gov.cn")),
            ("gov.cn", None),
            ("com.cn", None),
            ("edu.cn", None),
            ("org.cn", None),
            ("www.pku.edu.cn", Some("pku.edu.cn")),
            ("WWW.Hebei.Gov.Cn.", Some("hebei.gov.cn")),
            ("127.0.0.1", None),
            ("[2001:db8::1]", None),
            ("localhost", None),
            ("xn--55qx5d.cn", None),
            ("www.a.xn--55qx5d.cn", Some("a.xn--55qx5d.cn")),
        ];
        for (host, domain) in cases {
            assert_eq!(registrable_domain(host).as_deref(), domain, "{host}");
        }
    }

    #[test]
    fn item_hosts_entries_are_hosts_or_wildcards() {
        let good = [
            ("xxgk.example.gov.cn", "xxgk.example.gov.cn"),
            ("XXGK.Example.gov.cn.", "xxgk.example.gov.cn"),
            ("*.example.com", "*.example.com"),
            ("127.0.0.2", "127.0.0.2"),
            ("[::1]", "[::1]"),
            ("政府.中国", "xn--mxtq1m.xn--fiqs8s"),
            ("localhost", "localhost"),
        ];
        for (text, shown) in good {
            let pattern = HostPattern::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(pattern.to_string(), shown, "{text}");
        }
        let bad = [
            ("", "empty"),
            ("http://xxgk.example.gov.cn/", "a URL"),
            ("https://xxgk.example.gov.cn", "a URL"),
            ("xxgk.example.gov.cn/nb/", "not a host name"),
            ("xxgk.example.gov.cn:8080", "not a host name"),
            ("xxgk example.gov.cn", "spaces"),
            (" xxgk.example.gov.cn", "spaces"),
            ("*.gov.cn", "registrable domain"),
            ("*.com.cn", "registrable domain"),
            ("*.localhost", "registrable domain"),
            ("*", "not a host name"),
            ("a.*.example.com", "not a host name"),
            ("user@example.com", "not a host name"),
        ];
        for (text, why) in bad {
            match HostPattern::parse(text) {
                Ok(p) => panic!("{text:?} was taken as {p}"),
                Err(e) => {
                    assert!(e.contains(why), "{text:?}: {e}");
                    assert!(e.contains(&format!("{text:?}")), "{text:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn configured_hosts_and_the_site_decide_what_a_list_takes() {
        let configured = [
            HostPattern::parse("xxgk.hebei.gov.cn").expect("a host"),
            HostPattern::parse("*.example.com").expect("a wildcard"),
            HostPattern::parse("127.0.0.2").expect("an address"),
        ];
        let cases = [
            ("www.hd.gov.cn", "hdzfxxgk.hd.gov.cn", &[][..], true),
            ("www.hd.gov.cn", "www.hd.gov.cn", &[][..], true),
            ("www.hd.gov.cn", "www.gov.cn", &[][..], false),
            ("www.hd.gov.cn", "xxgk.hebei.gov.cn", &[][..], false),
            ("www.hd.gov.cn", "xxgk.hebei.gov.cn", &configured[..], true),
            ("www.hd.gov.cn", "XXGK.hebei.gov.cn.", &configured[..], true),
            ("www.hd.gov.cn", "www.hebei.gov.cn", &configured[..], false),
            ("www.hd.gov.cn", "files.example.com", &configured[..], true),
            ("www.hd.gov.cn", "a.b.example.com", &configured[..], true),
            ("www.hd.gov.cn", "example.com", &configured[..], false),
            ("www.hd.gov.cn", "badexample.com", &configured[..], false),
            ("127.0.0.1", "127.0.0.2", &[][..], false),
            ("127.0.0.1", "127.0.0.2", &configured[..], true),
            ("127.0.0.1", "127.0.0.3", &configured[..], false),
        ];
        for (list, host, item_hosts, taken) in cases {
            assert_eq!(
                is_item_host(list, host, item_hosts),
                taken,
                "{host} on a list on {list} with {item_hosts:?}"
            );
        }
    }
}
