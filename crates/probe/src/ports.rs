//! Port sets: which TCP and UDP ports a scan covers.
//!
//! Notation (as nmap's `-p`): comma-separated ports and ranges; `T:` and
//! `U:` switch the protocol for the items that follow (TCP when neither is
//! given): `22,80,8000-8100`, `T:1-65535,U:53,161,1900`, `-` for all TCP.

use std::fmt;

/// UDP ports where IoT devices commonly answer, each with a protocol
/// probe (see the UDP scan): DNS, TFTP, NTP, NetBIOS-NS, SNMP, SSDP,
/// WS-Discovery, mDNS, CoAP.
pub const IOT_UDP: [u16; 9] = [53, 69, 123, 137, 161, 1900, 3702, 5353, 5683];

/// A set of TCP ports and a set of UDP ports, each sorted and without
/// duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortSet {
    pub tcp: Vec<u16>,
    pub udp: Vec<u16>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PortError {
    #[error("`{0}` is not a port or range (write e.g. 22, 8000-8100, T:1-1024 or U:161)")]
    Malformed(String),
    #[error("port {0} is out of range; ports run from 1 to 65535")]
    OutOfRange(String),
    #[error("the range `{0}` runs backwards; write the lower port first")]
    Backwards(String),
    #[error("no ports given")]
    Empty,
}

impl PortSet {
    /// Every TCP port and the IoT UDP set: the default of `starmark scan`.
    pub fn default_scan() -> PortSet {
        PortSet { tcp: (1..=65535).collect(), udp: IOT_UDP.to_vec() }
    }

    /// Parses the notation in the module docs.
    pub fn parse(spec: &str) -> Result<PortSet, PortError> {
        let mut set = PortSet::default();
        let mut udp = false;
        for raw in spec.split(',') {
            let mut item = raw.trim();
            if let Some(rest) = item.strip_prefix("T:").or_else(|| item.strip_prefix("t:")) {
                udp = false;
                item = rest.trim();
            } else if let Some(rest) = item.strip_prefix("U:").or_else(|| item.strip_prefix("u:")) {
                udp = true;
                item = rest.trim();
            }
            if item.is_empty() {
                if raw.trim().is_empty() && spec.trim().is_empty() {
                    return Err(PortError::Empty);
                }
                return Err(PortError::Malformed(raw.trim().to_string()));
            }
            let port = |s: &str| -> Result<u16, PortError> {
                let s = s.trim();
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(PortError::Malformed(item.to_string()));
                }
                match s.parse::<u32>() {
                    Ok(n @ 1..=65535) => Ok(n as u16),
                    _ => Err(PortError::OutOfRange(s.to_string())),
                }
            };
            let (lo, hi) = match item.split_once('-') {
                // `-` alone: every port; `-100` and `100-`: open-ended.
                Some((a, b)) => {
                    (if a.trim().is_empty() { 1 } else { port(a)? }, if b.trim().is_empty() { 65535 } else { port(b)? })
                }
                None => {
                    let p = port(item)?;
                    (p, p)
                }
            };
            if lo > hi {
                return Err(PortError::Backwards(item.to_string()));
            }
            let into = if udp { &mut set.udp } else { &mut set.tcp };
            into.extend(lo..=hi);
        }
        for v in [&mut set.tcp, &mut set.udp] {
            v.sort_unstable();
            v.dedup();
        }
        if set.tcp.is_empty() && set.udp.is_empty() {
            return Err(PortError::Empty);
        }
        Ok(set)
    }
}

/// Sorted ports written compactly as ranges: `1-21,23,25-79`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranges<'a>(pub &'a [u16]);

impl fmt::Display for Ranges<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut it = self.0.iter().copied().peekable();
        while let Some(lo) = it.next() {
            let mut hi = lo;
            while let Some(&n) = it.peek() {
                if Some(n) == hi.checked_add(1) {
                    hi = n;
                    it.next();
                } else {
                    break;
                }
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if lo == hi { write!(f, "{lo}")? } else { write!(f, "{lo}-{hi}")? }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn notation() {
        assert_eq!(PortSet::parse("22,80,8000-8002").unwrap().tcp, vec![22, 80, 8000, 8001, 8002]);
        let s = PortSet::parse("T:1-3, U:53,161, T:22").unwrap();
        assert_eq!((s.tcp, s.udp), (vec![1, 2, 3, 22], vec![53, 161]));
        assert_eq!(PortSet::parse("-").unwrap().tcp.len(), 65535);
        assert_eq!(PortSet::parse("65530-").unwrap().tcp.len(), 6);
        assert_eq!(PortSet::parse("80,80,79-81").unwrap().tcp, vec![79, 80, 81]);
        assert_eq!(PortSet::parse("0"), Err(PortError::OutOfRange("0".into())));
        assert_eq!(PortSet::parse("65536"), Err(PortError::OutOfRange("65536".into())));
        assert_eq!(PortSet::parse("99999999999999"), Err(PortError::OutOfRange("99999999999999".into())));
        assert_eq!(PortSet::parse("90-80"), Err(PortError::Backwards("90-80".into())));
        assert_eq!(PortSet::parse("http"), Err(PortError::Malformed("http".into())));
        assert_eq!(PortSet::parse("22,,80"), Err(PortError::Malformed(String::new())));
        assert_eq!(PortSet::parse("U:"), Err(PortError::Malformed("U:".into())));
        assert_eq!(PortSet::parse(""), Err(PortError::Empty));
        assert_eq!(PortSet::default_scan().udp, IOT_UDP.to_vec());
    }

    #[test]
    fn ranges() {
        assert_eq!(Ranges(&[1, 2, 3, 5, 7, 8, 65535]).to_string(), "1-3,5,7-8,65535");
        assert_eq!(Ranges(&[]).to_string(), "");
    }

    proptest! {
        /// Writing a set as ranges and reading it back gives the same set.
        #[test]
        fn ranges_round_trip(mut v in proptest::collection::vec(1u16..=65535, 1..200)) {
            v.sort_unstable();
            v.dedup();
            let text = Ranges(&v).to_string();
            prop_assert_eq!(PortSet::parse(&text).unwrap().tcp, v);
        }

        /// No input makes the parser panic.
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = PortSet::parse(&s);
        }
    }
}
