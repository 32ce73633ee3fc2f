//! Crawl shards: `--shard K/N` splits the configured portals between N processes by their host,
//! so that every request to one host comes from one process and its host gate. The split is a
//! pure function of the host name (the first eight bytes of its sha256), the same on every
//! machine and in every version, so N processes given 1/N … N/N cover every portal exactly once.

use sha2::{Digest, Sha256};

use super::Portal;

/// One shard of N: `index` counts from 1, as written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` with 1 <= K <= N.
    pub fn parse(value: &str) -> Result<Shard, String> {
        let bad = || {
            format!("expected a shard such as 2/3 (shard K of N, K from 1 to N), found {value:?}")
        };
        let (k, n) = value.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!(
                "the shard {value:?} is out of range: N, the number of shards, must be 1 or more"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "the shard {value:?} is out of range: K must be between 1 and N (1/{count} … {count}/{count})"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard (1 to `count`) that owns a host.
    pub fn of_host(host: &str, count: u32) -> u32 {
        let digest = Sha256::digest(host.trim_end_matches('.').to_ascii_lowercase().as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32 + 1
    }

    /// Whether this shard crawls the portal: the shard of the host of its section URL.
    pub fn owns(&self, portal: &Portal) -> bool {
        Shard::of_host(portal.url.host_str().unwrap_or(""), self.count) == self.index
    }

    /// The label used for this shard's run reports in shared storage: `shard-2-of-3`.
    pub fn label(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(Shard::parse(" 1 / 1 "), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "1/0", "0/0", "3", "a/b", "", "1/3/4", "-1/3"] {
            let error = Shard::parse(bad).unwrap_err();
            assert!(error.contains(&format!("{bad:?}")), "{bad}: {error}");
            // No shard range is offered that has no shard in it (it read "1/0 … 0/0").
            assert!(!error.contains("/0 …"), "{bad}: {error}");
        }
        assert!(
            Shard::parse("1/0")
                .unwrap_err()
                .contains("N, the number of shards, must be 1 or more")
        );
    }

    #[test]
    fn every_host_has_exactly_one_shard_and_the_split_is_even() {
        let hosts: Vec<String> = (0..3000)
            .map(|i| format!("www.gov{i}.example.cn"))
            .collect();
        for count in [1u32, 2, 3, 7] {
            let mut sizes = vec![0usize; count as usize];
            for host in &hosts {
                let shard = Shard::of_host(host, count);
                assert!((1..=count).contains(&shard));
                sizes[(shard - 1) as usize] += 1;
            }
            let expected = hosts.len() / count as usize;
            for size in sizes {
                // Within 15% of an even split over 3,000 hosts.
                assert!(
                    size.abs_diff(expected) * 100 <= expected * 15,
                    "{count}: {size}"
                );
            }
        }
    }

    #[test]
    fn the_split_depends_on_the_host_alone() {
        // Case and a trailing dot do not move a host; a different host may.
        assert_eq!(
            Shard::of_host("WWW.Example.gov.cn.", 5),
            Shard::of_host("www.example.gov.cn", 5)
        );
        // Fixed by sha256, not by a per-process hasher: the same answer in every process and
        // version. These were computed outside nianbao (Python's hashlib) from the formula the
        // README gives: 1 + (first 8 bytes of sha256(host), big-endian) mod N.
        for (host, of_3, of_7) in [
            ("127.0.0.11", 3, 6),
            ("www.gov.cn", 1, 4),
            ("www.beijing.gov.cn", 2, 3),
        ] {
            assert_eq!(Shard::of_host(host, 3), of_3, "{host}");
            assert_eq!(Shard::of_host(host, 7), of_7, "{host}");
        }
    }
}
