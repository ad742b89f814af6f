//! Configuration for `serve` and `admin`, layered: a TOML file (versioned,
//! unknown keys rejected), then `STARMARK_*` environment variables, then
//! flags. `starmark config check` prints the result with secrets masked.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The configuration file format.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    /// Always 1.
    pub(crate) version: u32,
    pub(crate) listen: Option<String>,
    pub(crate) database_url: Option<String>,
}

/// The settings in force.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) listen: String,
    pub(crate) database_url: String,
    /// Where each setting came from, for `config check`.
    pub(crate) sources: Vec<(&'static str, &'static str)>,
}

/// Masks a password in a database URL.
pub(crate) fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:****@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &mask_url(&self.database_url))
            .finish()
    }
}

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub(crate) const DEFAULT_DATABASE: &str = "sqlite://starmark.db";

/// Layers file < environment < flags. The environment is read through
/// clap (`env = "STARMARK_..."`), so a flag's value already includes it;
/// `from_env` says which one it was.
pub(crate) fn resolve(
    file: Option<&Path>,
    listen: Option<String>,
    listen_from_env: bool,
    database_url: Option<String>,
    database_from_env: bool,
) -> Result<Settings> {
    let cfg = match file {
        Some(p) => load(p)?,
        None => ConfigFile { version: 1, ..ConfigFile::default() },
    };
    let mut sources = Vec::new();
    let pick = |flag: Option<String>,
                from_env: bool,
                file: Option<String>,
                default: &str,
                name: &'static str,
                sources: &mut Vec<_>| {
        match (flag, file) {
            (Some(v), _) => {
                sources.push((name, if from_env { "environment" } else { "flag" }));
                v
            }
            (None, Some(v)) => {
                sources.push((name, "config file"));
                v
            }
            (None, None) => {
                sources.push((name, "default"));
                default.to_string()
            }
        }
    };
    let listen = pick(listen, listen_from_env, cfg.listen, DEFAULT_LISTEN, "listen", &mut sources);
    let database_url =
        pick(database_url, database_from_env, cfg.database_url, DEFAULT_DATABASE, "database_url", &mut sources);
    if listen.parse::<std::net::SocketAddr>().is_err() {
        bail!(
            "listen address `{listen}` is not HOST:PORT with a literal IP address (e.g. 127.0.0.1:8080 or [::1]:8080)"
        );
    }
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        bail!("database URL `{}` must start with sqlite:// or postgres://", mask_url(&database_url));
    }
    Ok(Settings { listen, database_url, sources })
}

fn load(p: &Path) -> Result<ConfigFile> {
    let text = std::fs::read_to_string(p).with_context(|| format!("cannot read the config file {}", p.display()))?;
    let cfg: ConfigFile = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {}", p.display(), e))?;
    if cfg.version != 1 {
        bail!("{}: version = {} is not supported; this starmark reads version = 1", p.display(), cfg.version);
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_and_masks() {
        let s = resolve(None, None, false, None, false).unwrap();
        assert_eq!(s.listen, DEFAULT_LISTEN);
        assert_eq!(s.database_url, DEFAULT_DATABASE);
        let s = resolve(None, Some("[::1]:9000".into()), true, Some("postgres://u:secret@h/db".into()), false).unwrap();
        assert_eq!(s.sources, vec![("listen", "environment"), ("database_url", "flag")]);
        assert!(!format!("{s:?}").contains("secret"));
        assert_eq!(mask_url("postgres://u:secret@h/db"), "postgres://u:****@h/db");
        assert!(resolve(None, Some("localhost".into()), false, None, false).is_err());
        assert!(resolve(None, None, false, Some("mysql://x".into()), false).is_err());
    }
}
