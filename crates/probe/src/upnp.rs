//! UPnP: whether the device's Internet Gateway Device control actions
//! answer without authentication.
//!
//! The check asks SSDP where the device description is, reads it (only
//! from the device itself, never another host), and calls one read-only
//! action of each WAN connection service: `GetExternalIPAddress`. A
//! device that answers it to anyone also takes `AddPortMapping` from
//! anyone (the UPnP IGD specification has no authentication for either,
//! short of the optional DeviceProtection service), which is how malware
//! on one LAN host opens the network to the Internet. Nothing is changed
//! on the device.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::creds::Transcript;
use crate::http::{Request, send};

/// A service of the description: (type, control URL path).
pub fn services(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for block in xml.split("<service>").skip(1).take(64) {
        let block = block.split("</service>").next().unwrap_or_default();
        let field = |tag: &str| {
            let start = block.find(&format!("<{tag}>"))? + tag.len() + 2;
            let len = block.get(start..)?.find('<')?;
            Some(block.get(start..start + len)?.trim().to_string())
        };
        if let (Some(t), Some(c)) = (field("serviceType"), field("controlURL")) {
            out.push((crate::service::printable(t.as_bytes(), 120), crate::service::printable(c.as_bytes(), 200)));
        }
    }
    out
}

/// The LOCATION URLs the device gives in answer to a unicast M-SEARCH.
async fn locations(addr: IpAddr, wait: Duration) -> Result<Vec<String>, String> {
    let local: SocketAddr = if addr.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let sock = tokio::net::UdpSocket::bind(local).await.map_err(|e| e.to_string())?;
    sock.connect(SocketAddr::new(addr, 1900)).await.map_err(|e| e.to_string())?;
    let mut out: Vec<String> = Vec::new();
    let mut buf = vec![0u8; 4096];
    for _ in 0..2 {
        sock.send(crate::udp::SSDP_MSEARCH).await.map_err(|e| e.to_string())?;
        // Answers come within the M-SEARCH's MX (1 s).
        let deadline = tokio::time::Instant::now() + wait.min(Duration::from_secs(2));
        while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            let text = String::from_utf8_lossy(buf.get(..n).unwrap_or_default()).to_string();
            for l in text.lines() {
                if let Some((k, v)) = l.split_once(':')
                    && k.trim().eq_ignore_ascii_case("location")
                    && !out.contains(&v.trim().to_string())
                    && out.len() < 16
                {
                    out.push(v.trim().to_string());
                }
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    Ok(out)
}

/// `http://ADDR:PORT/path` on the device itself: (port, path).
fn on_device(url: &str, addr: IpAddr) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (hostport, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']), p.parse::<u16>().ok()?),
        None => (hostport, 80),
    };
    (host.parse::<IpAddr>().ok()? == addr).then_some((port, path))
}

/// What the UPnP check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UpnpResult {
    pub description: Option<String>,
    pub services: Vec<String>,
    /// Control actions that answered without authentication: (control
    /// URL, action).
    pub open_actions: Vec<(String, String)>,
    /// Actions that asked for authentication or refused.
    pub protected_actions: Vec<(String, String)>,
}

/// Runs the check (see the module docs).
pub async fn check(addr: IpAddr, wait: Duration, t: &mut Transcript) -> Result<UpnpResult, String> {
    t.sent("SSDP M-SEARCH ssdp:all (unicast)");
    let locs = locations(addr, wait).await?;
    let Some((port, path)) = locs.iter().find_map(|l| on_device(l, addr)) else {
        return Err(if locs.is_empty() {
            "the device did not answer the M-SEARCH".to_string()
        } else {
            format!("the description is not on the device itself ({}); not fetched", locs.join(", "))
        });
    };
    let desc_addr = SocketAddr::new(addr, port);
    let r = send(desc_addr, false, &Request::get(&path), wait, t).await?;
    if r.status != 200 {
        return Err(format!("the description at {path} answered {}", r.status));
    }
    let xml = String::from_utf8_lossy(&r.body).to_string();
    let services = services(&xml);
    let mut result = UpnpResult {
        description: Some(format!("http://{desc_addr}{path}")),
        services: services.iter().map(|(s, _)| s.clone()).collect(),
        open_actions: Vec::new(),
        protected_actions: Vec::new(),
    };
    for (st, control) in
        services.iter().filter(|(s, _)| s.contains(":WANIPConnection:") || s.contains(":WANPPPConnection:"))
    {
        let control_path = if control.starts_with('/') { control.clone() } else { format!("/{control}") };
        let body = format!(
            "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
             s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>\
             <u:GetExternalIPAddress xmlns:u=\"{st}\"></u:GetExternalIPAddress></s:Body></s:Envelope>"
        );
        let req = Request {
            method: "POST",
            path: &control_path,
            headers: vec![
                ("Content-Type".into(), "text/xml; charset=\"utf-8\"".into()),
                ("SOAPAction".into(), format!("\"{st}#GetExternalIPAddress\"")),
            ],
            body: body.into_bytes(),
        };
        let r = send(desc_addr, false, &req, wait, t).await?;
        let text = String::from_utf8_lossy(&r.body);
        let entry = (control_path.clone(), "GetExternalIPAddress".to_string());
        if r.status == 200 && text.contains("GetExternalIPAddressResponse") {
            t.note(format!("{control_path}: GetExternalIPAddress answered without authentication"));
            result.open_actions.push(entry);
        } else {
            t.note(format!(
                "{control_path}: GetExternalIPAddress answered {} (refused or needs authentication)",
                r.status
            ));
            result.protected_actions.push(entry);
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        let xml = "<root><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType>\
                   <controlURL>/ctl/IPConn</controlURL></service><service><serviceType>x</serviceType></service></root>";
        assert_eq!(
            services(xml),
            vec![("urn:schemas-upnp-org:service:WANIPConnection:2".into(), "/ctl/IPConn".into())]
        );
        let a: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(on_device("http://10.0.0.2:5000/rootDesc.xml", a), Some((5000, "/rootDesc.xml".into())));
        assert_eq!(on_device("http://10.0.0.3:5000/rootDesc.xml", a), None);
        assert_eq!(on_device("http://example.com/x", a), None);
    }
}
