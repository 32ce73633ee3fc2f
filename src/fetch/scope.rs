//! Address safety: only globally reachable addresses are fetched, unless the portal itself lives
//! on a private or loopback one (the tests and the demo). Host names are resolved here, both for
//! the HTTP client's connections and for the gate's per-server cap, and every answer is filtered
//! the same way.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// How long a lookup's answer is reused: the gate and the connection ask for the same name
/// within moments of each other, and a crawl asks for it once per request.
const CACHE_FOR: Duration = Duration::from_secs(60);

/// Where host names are looked up.
#[derive(Clone, Debug, Default)]
pub enum Lookup {
    /// The system resolver.
    #[default]
    System,
    /// A fixed table of the caller's own, like an /etc/hosts file: names not in it do not
    /// resolve. Its answers pass the same filter as the system resolver's.
    Table(Arc<HashMap<String, Vec<IpAddr>>>),
}

/// Why a host name gave no address to connect to.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Every address of the name is private, loopback, link-local or otherwise not public.
    #[error("{host} resolves only to non-public addresses ({addrs}); not fetched")]
    Refused { host: String, addrs: String },
    #[error("cannot resolve {host}: {detail}")]
    Lookup { host: String, detail: String },
}

/// Resolves host names, dropping every address that is not globally reachable before a
/// connection is made, so that a public name pointing at an internal address (or DNS rebinding)
/// cannot lead a crawl inside a network. Names in `allowed` (portals that live on such an address
/// by configuration) resolve as usual. Addresses written in URLs never reach a resolver; `admit`
/// checks those.
#[derive(Clone)]
pub struct PublicResolver {
    inner: Arc<Inner>,
}

struct Inner {
    allowed: HashSet<String>,
    lookup: Lookup,
    cache: Mutex<HashMap<String, (Instant, Vec<IpAddr>)>>,
}

impl PublicResolver {
    pub fn new(allowed: HashSet<String>) -> PublicResolver {
        PublicResolver::with_lookup(allowed, Lookup::System)
    }

    pub fn with_lookup(allowed: HashSet<String>, lookup: Lookup) -> PublicResolver {
        PublicResolver {
            inner: Arc::new(Inner {
                allowed: allowed
                    .into_iter()
                    .map(|n| n.to_ascii_lowercase())
                    .collect(),
                lookup,
                cache: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The addresses `host` may be reached at, in the resolver's order.
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let found = self.inner.lookup(&host).await?;
        if self.inner.allowed.contains(&host) {
            return Ok(found);
        }
        let kept: Vec<IpAddr> = found
            .iter()
            .copied()
            .filter(|ip| !is_private_ip(*ip))
            .collect();
        if kept.is_empty() {
            let addrs = found
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ResolveError::Refused { host, addrs });
        }
        Ok(kept)
    }
}

impl Inner {
    async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        if let Some((at, addrs)) = self
            .cache
            .lock()
            .expect("resolver cache lock is never poisoned")
            .get(host)
            && at.elapsed() < CACHE_FOR
        {
            return Ok(addrs.clone());
        }
        let failed = |detail: String| ResolveError::Lookup {
            host: host.to_string(),
            detail,
        };
        let addrs: Vec<IpAddr> = match &self.lookup {
            Lookup::System => tokio::net::lookup_host((host, 0))
                .await
                .map_err(|e| failed(e.to_string()))?
                .map(|a| a.ip())
                .collect(),
            Lookup::Table(table) => table.get(host).cloned().unwrap_or_default(),
        };
        if addrs.is_empty() {
            return Err(failed("no address".into()));
        }
        self.cache
            .lock()
            .expect("resolver cache lock is never poisoned")
            .insert(host.to_string(), (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = resolver.addresses(&host).await?;
            let sockets: Vec<SocketAddr> = addrs.into_iter().map(|ip| (ip, 0).into()).collect();
            Ok(Box::new(sockets.into_iter()) as Addrs)
        })
    }
}

/// True when the URL names a non-public address (see [`is_private_ip`]), or localhost.
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

/// True for addresses a public crawl must never reach: every range of the IANA IPv4 and IPv6
/// special-purpose address registries that is not globally reachable (private, loopback,
/// link-local, shared, benchmarking, documentation, reserved, multicast ...). Addresses that
/// embed an IPv4 address (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by
/// the IPv4 address they lead to, so `64:ff9b::a9fe:a9fe` is 169.254.169.254 and refused, while
/// a crawler on an IPv6-only network behind NAT64 still reaches public IPv4 servers.
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6),
    }
}

fn is_private_v4(v4: Ipv4Addr) -> bool {
    let bits = u32::from(v4);
    // (network, prefix length)
    const NOT_GLOBAL: [(u32, u32); 15] = [
        (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
        (0x0a00_0000, 8),  // 10.0.0.0/8 private
        (0x6440_0000, 10), // 100.64.0.0/10 shared address space
        (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
        (0xa9fe_0000, 16), // 169.254.0.0/16 link-local
        (0xac10_0000, 12), // 172.16.0.0/12 private
        (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
        (0xc000_0200, 24), // 192.0.2.0/24 documentation
        (0xc058_6300, 24), // 192.88.99.0/24 6to4 relay anycast (deprecated)
        (0xc0a8_0000, 16), // 192.168.0.0/16 private
        (0xc612_0000, 15), // 198.18.0.0/15 benchmarking
        (0xc633_6400, 24), // 198.51.100.0/24 documentation
        (0xcb00_7100, 24), // 203.0.113.0/24 documentation
        (0xe000_0000, 4),  // 224.0.0.0/4 multicast
        (0xf000_0000, 4),  // 240.0.0.0/4 reserved, and 255.255.255.255
    ];
    NOT_GLOBAL
        .iter()
        .any(|(net, len)| bits >> (32 - len) == net >> (32 - len))
}

fn is_private_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_private_v4(v4);
    }
    let s = v6.segments();
    let embedded_tail = || Ipv4Addr::from(((s[6] as u32) << 16) | s[7] as u32);
    match s {
        // ::/96: unspecified, loopback and the deprecated IPv4-compatible addresses.
        [0, 0, 0, 0, 0, 0, _, _] => true,
        // ::ffff:0:0:0/96 IPv4-translated.
        [0, 0, 0, 0, 0xffff, 0, _, _] => true,
        // 64:ff9b::/96 NAT64 well-known prefix: the IPv4 address it leads to decides.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => is_private_v4(embedded_tail()),
        // 64:ff9b:1::/48 local-use NAT64.
        [0x64, 0xff9b, 1, ..] => true,
        // 100::/64 discard-only.
        [0x100, 0, 0, 0, ..] => true,
        // 2001::/23 IETF protocol assignments (Teredo, benchmarking, ORCHID ...).
        [0x2001, b, ..] if b < 0x200 => true,
        // 2001:db8::/32 documentation.
        [0x2001, 0xdb8, ..] => true,
        // 2002::/16 6to4: the IPv4 address in bits 16..48 decides.
        [0x2002, hi, lo, ..] => is_private_v4(Ipv4Addr::from(((hi as u32) << 16) | lo as u32)),
        // 3fff::/20 documentation.
        [0x3fff, b, ..] if b < 0x1000 => true,
        // 5f00::/16 segment routing SIDs.
        [0x5f00, ..] => true,
        // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast.
        [first, ..] => {
            first & 0xfe00 == 0xfc00
                || first & 0xffc0 == 0xfe80
                || first & 0xffc0 == 0xfec0
                || first & 0xff00 == 0xff00
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_purpose_addresses_are_recognised() {
        let cases = [
            ("http://127.0.0.1/", true),
            ("http://127.0.0.11:8080/", true),
            ("http://10.1.2.3/", true),
            ("http://172.16.0.1/", true),
            ("http://172.31.255.255/", true),
            ("http://172.32.0.1/", false),
            ("http://192.168.1.1/", true),
            ("http://169.254.169.254/latest/meta-data", true),
            ("http://100.64.0.1/", true),
            ("http://100.127.255.255/", true),
            ("http://100.128.0.1/", false),
            ("http://0.0.0.0/", true),
            ("http://0.1.2.3/", true),
            ("http://192.0.0.8/", true),
            ("http://192.0.2.1/", true),
            ("http://192.0.3.1/", false),
            ("http://192.88.99.1/", true),
            ("http://198.18.0.1/", true),
            ("http://198.19.255.255/", true),
            ("http://198.20.0.1/", false),
            ("http://198.51.100.7/", true),
            ("http://203.0.113.9/", true),
            ("http://224.0.0.1/", true),
            ("http://239.255.255.250/", true),
            ("http://240.0.0.1/", true),
            ("http://255.255.255.255/", true),
            ("http://[::1]/", true),
            ("http://[::]/", true),
            ("http://[::10.0.0.1]/", true),
            ("http://[fd00::1]/", true),
            ("http://[fe80::1]/", true),
            ("http://[fec0::1]/", true),
            ("http://[ff02::1]/", true),
            ("http://[::ffff:10.0.0.1]/", true),
            ("http://[::ffff:202.100.1.1]/", false),
            ("http://[64:ff9b::a9fe:a9fe]/", true),
            ("http://[64:ff9b::7f00:1]/", true),
            ("http://[64:ff9b::ca64:101]/", false),
            ("http://[64:ff9b:1::1]/", true),
            ("http://[2002:a9fe:a9fe::1]/", true),
            ("http://[2002:0a00:0001::1]/", true),
            ("http://[2002:ca64:0101::1]/", false),
            ("http://[2001::1]/", true),
            ("http://[2001:db8::1]/", true),
            ("http://[3fff::1]/", true),
            ("http://[3fff:1000::1]/", false),
            ("http://[100::1]/", true),
            ("http://[5f00::1]/", true),
            ("http://localhost:8080/", true),
            ("http://a.localhost/", true),
            ("http://www.xjats.gov.cn/", false),
            ("http://202.100.1.1/", false),
            ("http://[2400:3200::1]/", false),
            ("http://[2001:250::1]/", false),
        ];
        for (url, private) in cases {
            let url = Url::parse(url).expect("valid test URL");
            assert_eq!(is_private_host(&url), private, "{url}");
        }
    }

    /// The resolver the HTTP client connects through filters answers the same way as the
    /// fetcher's own check before the gate: private-only names fail, mixed names keep their
    /// public addresses, a portal's configured name keeps everything.
    #[tokio::test]
    async fn the_client_resolver_filters_answers() {
        use std::str::FromStr;

        let ip = |s: &str| -> IpAddr { s.parse().expect("test address") };
        let table: HashMap<String, Vec<IpAddr>> = [
            (
                "meta.gov.cn",
                vec![ip("64:ff9b::a9fe:a9fe"), ip("169.254.169.254")],
            ),
            ("mixed.gov.cn", vec![ip("10.0.0.1"), ip("202.100.1.1")]),
            ("portal.gov.cn", vec![ip("127.0.0.11")]),
        ]
        .into_iter()
        .map(|(n, a)| (n.to_string(), a))
        .collect();
        let resolver = PublicResolver::with_lookup(
            ["Portal.gov.cn".to_string()].into_iter().collect(),
            Lookup::Table(Arc::new(table)),
        );
        let resolve =
            |name: &str| resolver.resolve(Name::from_str(name).expect("a valid host name"));
        let refused = resolve("meta.gov.cn").await.err().map(|e| e.to_string());
        assert!(
            refused.as_deref().is_some_and(|e| e.contains("non-public")),
            "{refused:?}"
        );
        let kept: Vec<IpAddr> = resolve("mixed.gov.cn")
            .await
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .unwrap_or_default();
        assert_eq!(kept, vec![ip("202.100.1.1")]);
        let portal: Vec<IpAddr> = resolve("portal.gov.cn.")
            .await
            .map(|addrs| addrs.map(|a| a.ip()).collect())
            .unwrap_or_default();
        assert_eq!(portal, vec![ip("127.0.0.11")]);
        assert!(
            matches!(
                resolver.addresses("unknown.gov.cn").await,
                Err(ResolveError::Lookup { .. })
            ),
            "a name the table lacks does not resolve"
        );
    }
}
