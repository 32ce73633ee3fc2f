//! Address safety: only public addresses are fetched, unless the portal itself lives on a
//! private or loopback one (the tests and the demo).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Resolves host names for the HTTP client, dropping private, loopback and link-local addresses
/// before a connection is made, so that a public name pointing at an internal address (or DNS
/// rebinding) cannot lead a crawl inside a network. Names in `allowed` (portals that live on such
/// an address by configuration) resolve as usual. Addresses written in URLs never reach a resolver;
/// `admit` checks those.
pub struct PublicResolver {
    allowed: HashSet<String>,
}

impl PublicResolver {
    pub fn new(allowed: HashSet<String>) -> PublicResolver {
        PublicResolver {
            allowed: allowed
                .into_iter()
                .map(|n| n.to_ascii_lowercase())
                .collect(),
        }
    }
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let allow_private = self.allowed.contains(&host);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || !is_private_ip(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(format!("{host} resolves to no public address; not fetched").into());
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// True when the URL names a private, loopback, link-local or unspecified address, or localhost.
pub fn is_private_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => is_private_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private_ip(IpAddr::V6(ip)),
        Some(Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => true,
    }
}

/// True for addresses a public crawl must never reach.
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_ip(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        let cases = [
            ("http://127.0.0.1/", true),
            ("http://127.0.0.11:8080/", true),
            ("http://10.1.2.3/", true),
            ("http://172.16.0.1/", true),
            ("http://192.168.1.1/", true),
            ("http://169.254.169.254/latest/meta-data", true),
            ("http://100.64.0.1/", true),
            ("http://0.0.0.0/", true),
            ("http://[::1]/", true),
            ("http://[fd00::1]/", true),
            ("http://[fe80::1]/", true),
            ("http://[::ffff:10.0.0.1]/", true),
            ("http://localhost:8080/", true),
            ("http://a.localhost/", true),
            ("http://www.xjats.gov.cn/", false),
            ("http://202.100.1.1/", false),
            ("http://[2400:3200::1]/", false),
        ];
        for (url, private) in cases {
            let url = Url::parse(url).expect("valid test URL");
            assert_eq!(is_private_host(&url), private, "{url}");
        }
    }
}
