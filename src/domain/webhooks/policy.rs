//! Where webhooks may be delivered. A subscription's URL is the user's to
//! choose, and the service makes the request: without a policy, anyone could
//! make it call the cloud's metadata service or an admin port on the private
//! network (server-side request forgery). So by default only public unicast
//! addresses are allowed, and the address checked is the one connected to:
//! names are resolved by [`PolicyResolver`], which keeps only allowed
//! addresses, so a name that resolves differently after the subscription was
//! created is refused then too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// A block of addresses, `10.0.0.0/8` or `::1/128`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `address/prefix` (or a bare address: one host).
    pub fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text.trim(), None),
        };
        let base: IpAddr = address.parse().ok()?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// What may be delivered to: public addresses, and the networks
/// configuration allows (`RAPPORT_WEBHOOKS_ALLOW_NETWORKS`).
#[derive(Clone, Debug, Default)]
pub struct AddressPolicy {
    allowed: Vec<Network>,
}

impl AddressPolicy {
    pub fn new(allowed: Vec<Network>) -> Self {
        Self { allowed }
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        is_public(ip) || self.allowed.iter().any(|net| net.contains(ip))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`, or NAT64's
/// `64:ff9b::7f00:1`) is that IPv4 address: it reaches the same host.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let segments = v6.segments();
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = segments[6].to_be_bytes();
                let [c, d] = segments[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            IpAddr::V6(v6)
        }
        v4 => v4,
    }
}

/// Blocks that are not the public internet (IANA special-purpose registries).
const SPECIAL_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, broadcast
];

const SPECIAL_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // protocol assignments
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16), // 6to4
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local (fd00:ec2::254)
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !SPECIAL_V4.iter().any(|&(base, prefix)| {
            Network {
                base: IpAddr::V4(base),
                prefix,
            }
            .contains(IpAddr::V4(v4))
        }),
        IpAddr::V6(v6) => !SPECIAL_V6.iter().any(|&(base, prefix)| {
            Network {
                base: IpAddr::V6(base),
                prefix,
            }
            .contains(IpAddr::V6(v6))
        }),
    }
}

/// Resolves names for the delivery client and keeps only the addresses the
/// policy allows: the connection can only go where the policy says.
pub struct PolicyResolver {
    pub policy: Arc<AddressPolicy>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to no address webhooks may be delivered to")]
pub struct Refused(pub String);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| policy.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(Refused(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn public_addresses_are_allowed_by_default() {
        let policy = AddressPolicy::default();
        for public in [
            "93.184.215.14",
            "8.8.8.8",
            "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
        ] {
            assert!(policy.allows(ip(public)), "{public}");
        }
    }

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_refused() {
        let policy = AddressPolicy::default();
        for special in [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!policy.allows(ip(special)), "{special}");
        }
        // Just outside the private blocks.
        assert!(policy.allows(ip("172.32.0.1")));
        assert!(policy.allows(ip("11.0.0.1")));
    }

    #[test]
    fn configuration_can_allow_a_network() {
        let policy = AddressPolicy::new(vec![Network::parse("127.0.0.0/8").unwrap()]);
        assert!(policy.allows(ip("127.0.0.1")));
        assert!(policy.allows(ip("::ffff:127.0.0.1")));
        assert!(!policy.allows(ip("::1")));
        assert!(!policy.allows(ip("10.0.0.1")));
        let one = AddressPolicy::new(vec![Network::parse("::1").unwrap()]);
        assert!(one.allows(ip("::1")));
        assert!(!one.allows(ip("127.0.0.1")));
    }

    #[test]
    fn networks_parse_strictly() {
        assert_eq!(
            Network::parse("10.0.0.0/8"),
            Some(Network {
                base: ip("10.0.0.0"),
                prefix: 8
            })
        );
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(Network::parse("::/129").is_none());
        assert!(Network::parse("localhost").is_none());
        assert!(Network::parse("0.0.0.0/0").unwrap().contains(ip("1.2.3.4")));
    }
}
