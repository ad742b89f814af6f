//! The scan target: exactly one device, named by one address.
//!
//! A scan of the wrong machine is not a harmless mistake, so anything that
//! could mean more than one device is refused with the reason: ranges,
//! prefixes, lists, wildcards, broadcast and multicast addresses, and names
//! that resolve to more than one address.

use std::net::IpAddr;

/// One device to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// What the user gave.
    pub input: String,
    /// The one address scanned.
    pub addr: IpAddr,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("no target given; name one device by its address, e.g. 192.0.2.10 or 2001:db8::10")]
    Empty,
    #[error(
        "`{0}` names more than one device (a range, prefix, list or wildcard); starmark scans one device at a time: give its single address"
    )]
    Several(String),
    #[error("`{0}` is a {1} address, not one device; give the device's own address")]
    NotUnicast(String, &'static str),
    #[error("`{0}` is neither an IP address nor a host name")]
    Malformed(String),
    #[error("`{name}` resolves to {count} addresses ({list}); give the one to scan")]
    Ambiguous { name: String, count: usize, list: String },
    #[error("`{name}` could not be resolved: {reason}")]
    Unresolved { name: String, reason: String },
}

/// Why an address cannot be one device, if it cannot.
fn not_unicast(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) if a.is_unspecified() => Some("unspecified"),
        IpAddr::V4(a) if a.is_broadcast() => Some("broadcast"),
        IpAddr::V4(a) if a.is_multicast() => Some("multicast"),
        IpAddr::V6(a) if a.is_unspecified() => Some("unspecified"),
        IpAddr::V6(a) if a.is_multicast() => Some("multicast"),
        _ => None,
    }
}

/// Checks the form of `input` without resolving it: an address literal is
/// returned as the target, a host name as `Ok(None)`.
pub fn parse_literal(input: &str) -> Result<Option<Target>, TargetError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(TargetError::Empty);
    }
    // `[2001:db8::1]` is accepted as the bracketed form of an IPv6 literal.
    let bare = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(s);
    if let Ok(addr) = bare.parse::<IpAddr>() {
        if let Some(kind) = not_unicast(addr) {
            return Err(TargetError::NotUnicast(s.to_string(), kind));
        }
        return Ok(Some(Target { input: s.to_string(), addr }));
    }
    if s.contains(['/', ',', '*', ' ', '\t'])
        || (s.contains('-')
            && s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'-')))
    {
        return Err(TargetError::Several(s.to_string()));
    }
    let host_ok = s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !host_ok {
        return Err(TargetError::Malformed(s.to_string()));
    }
    Ok(None)
}

/// Resolves `input` to exactly one address (literals need no resolver).
pub async fn resolve(input: &str) -> Result<Target, TargetError> {
    if let Some(t) = parse_literal(input)? {
        return Ok(t);
    }
    let name = input.trim().to_string();
    let found = tokio::net::lookup_host((name.as_str(), 0))
        .await
        .map_err(|e| TargetError::Unresolved { name: name.clone(), reason: e.to_string() })?;
    let mut addrs: Vec<IpAddr> = found.map(|sa| sa.ip()).collect();
    addrs.sort();
    addrs.dedup();
    match addrs.as_slice() {
        [] => Err(TargetError::Unresolved { name, reason: "no address".into() }),
        [one] => match not_unicast(*one) {
            Some(kind) => Err(TargetError::NotUnicast(name, kind)),
            None => Ok(Target { input: name, addr: *one }),
        },
        many => Err(TargetError::Ambiguous {
            name,
            count: many.len(),
            list: many.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn one_device_only() {
        assert_eq!(parse_literal("192.0.2.10").unwrap().unwrap().addr.to_string(), "192.0.2.10");
        assert_eq!(parse_literal(" [2001:db8::1] ").unwrap().unwrap().addr.to_string(), "2001:db8::1");
        assert_eq!(parse_literal("camera.local").unwrap(), None);
        for several in ["192.0.2.0/24", "192.0.2.1-20", "192.0.2.1,192.0.2.2", "192.0.2.*", "a b", "10-20.1.1.1"] {
            assert!(matches!(parse_literal(several), Err(TargetError::Several(_))), "{several}");
        }
        for (bad, kind) in [
            ("0.0.0.0", "unspecified"),
            ("255.255.255.255", "broadcast"),
            ("224.0.0.251", "multicast"),
            ("ff02::1", "multicast"),
            ("::", "unspecified"),
        ] {
            assert_eq!(parse_literal(bad), Err(TargetError::NotUnicast(bad.into(), kind)));
        }
        for bad in ["-x", "a..b", "exa_mple", "ünï", &"a".repeat(300)] {
            assert!(matches!(parse_literal(bad), Err(TargetError::Malformed(_))), "{bad}");
        }
        assert_eq!(parse_literal("  "), Err(TargetError::Empty));
    }

    #[tokio::test]
    async fn names_resolve_to_one_address_or_are_refused() {
        // Literals never touch a resolver.
        assert_eq!(resolve("127.0.0.1").await.unwrap().addr.to_string(), "127.0.0.1");
        // `localhost` comes from /etc/hosts, never from the network.
        match resolve("localhost").await {
            Ok(t) => assert!(t.addr.is_loopback()),
            Err(TargetError::Ambiguous { count, .. }) => assert!(count >= 2),
            Err(e) => panic!("{e}"),
        }
    }
}
