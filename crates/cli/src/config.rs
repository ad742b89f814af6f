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
    pub(crate) public_base_url: Option<String>,
    /// The transparency log's signing key (a file, e.g. a mounted secret).
    pub(crate) log_key_file: Option<String>,
}

/// The settings in force.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) listen: String,
    pub(crate) database_url: String,
    /// The site's public address, for QR codes and canonical links.
    pub(crate) public_base_url: String,
    /// The log key file; None: the default beside a SQLite database, or
    /// `$CREDENTIALS_DIRECTORY/starmark-log-key` (see `log_cmds::log_key`).
    pub(crate) log_key_file: Option<std::path::PathBuf>,
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
pub(crate) struct Layer {
    pub(crate) value: Option<String>,
    pub(crate) from_env: bool,
}

pub(crate) fn resolve(
    file: Option<&Path>,
    listen: Layer,
    database_url: Layer,
    public_base_url: Layer,
    log_key_file: Layer,
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
    let listen = pick(listen.value, listen.from_env, cfg.listen, DEFAULT_LISTEN, "listen", &mut sources);
    let database_url = pick(
        database_url.value,
        database_url.from_env,
        cfg.database_url,
        DEFAULT_DATABASE,
        "database_url",
        &mut sources,
    );
    let default_base = format!("http://{listen}");
    let public_base_url = pick(
        public_base_url.value,
        public_base_url.from_env,
        cfg.public_base_url,
        &default_base,
        "public_base_url",
        &mut sources,
    );
    if !(public_base_url.starts_with("https://") || public_base_url.starts_with("http://")) {
        bail!("public base URL `{public_base_url}` must start with https:// (or http:// for local use)");
    }
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
    let log_key_file = match (log_key_file.value, cfg.log_key_file) {
        (Some(v), _) => {
            sources.push(("log_key_file", if log_key_file.from_env { "environment" } else { "flag" }));
            Some(v.into())
        }
        (None, Some(v)) => {
            sources.push(("log_key_file", "config file"));
            Some(v.into())
        }
        (None, None) => {
            sources.push(("log_key_file", "default"));
            None
        }
    };
    Ok(Settings { listen, database_url, public_base_url, log_key_file, sources })
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
        let none = || Layer { value: None, from_env: false };
        let set = |v: &str, from_env| Layer { value: Some(v.into()), from_env };
        let s = resolve(None, none(), none(), none(), none()).unwrap();
        assert_eq!(s.listen, DEFAULT_LISTEN);
        assert_eq!(s.database_url, DEFAULT_DATABASE);
        assert_eq!(s.public_base_url, "http://127.0.0.1:8080");
        let s = resolve(None, set("[::1]:9000", true), set("postgres://u:secret@h/db", false), none(), none()).unwrap();
        assert_eq!(
            s.sources,
            vec![
                ("listen", "environment"),
                ("database_url", "flag"),
                ("public_base_url", "default"),
                ("log_key_file", "default")
            ]
        );
        assert!(!format!("{s:?}").contains("secret"));
        assert_eq!(mask_url("postgres://u:secret@h/db"), "postgres://u:****@h/db");
        assert!(resolve(None, set("localhost", false), none(), none(), none()).is_err());
        assert!(resolve(None, none(), set("mysql://x", false), none(), none()).is_err());
        assert!(resolve(None, none(), none(), set("ftp://x", false), none()).is_err());
        let dir = std::env::temp_dir().join(format!("starmark-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("c.toml");
        std::fs::write(&f, "version = 1\npublic_base_url = \"https://labels.example.jp\"\n").unwrap();
        let s = resolve(Some(&f), none(), none(), none(), none()).unwrap();
        assert_eq!(s.public_base_url, "https://labels.example.jp");
        std::fs::write(&f, "version = 1\nlisten_addr = \"x\"\n").unwrap();
        assert!(resolve(Some(&f), none(), none(), none(), none()).unwrap_err().to_string().contains("unknown field"));
        std::fs::write(&f, "version = 2\n").unwrap();
        assert!(resolve(Some(&f), none(), none(), none(), none()).is_err());
    }
}
