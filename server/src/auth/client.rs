//! The client's address: the peer, or the first untrusted hop of `X-Forwarded-For` when the peer is a
//! trusted proxy. Only a keyed hash of it is ever stored.

use std::net::IpAddr;

use crate::config::Cidr;

pub fn client_ip(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[Cidr]) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut current = peer?;
    if let Some(header) = forwarded_for {
        // Walk from the nearest hop outwards while each hop is a trusted proxy.
        for hop in header.rsplit(',').map(str::trim) {
            if !is_trusted(current) {
                break;
            }
            match hop.parse::<IpAddr>() {
                Ok(ip) => current = ip,
                Err(_) => break,
            }
        }
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = vec![Cidr::parse("10.0.0.0/8").unwrap()];
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let outsider: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_ip(Some(proxy), Some("198.51.100.7"), &trusted), "198.51.100.7".parse().ok());
        assert_eq!(client_ip(Some(outsider), Some("198.51.100.7"), &trusted), Some(outsider));
        assert_eq!(client_ip(Some(proxy), Some("1.2.3.4, 10.0.0.5"), &trusted), "1.2.3.4".parse().ok());
    }
}
