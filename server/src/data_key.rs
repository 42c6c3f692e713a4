//! Personal data sealed at rest: identity document numbers of disclosure applicants are stored
//! encrypted with AES-256-GCM (ring's AEAD) under `DATA_KEY`, each value bound to its row by the
//! additional data, so a sealed value copied to another row does not open.
//!
//! `DATA_KEY` is 64 hex characters (32 bytes), the same on every instance. Without it, an embedded
//! (SQLite) installation keeps a key of its own in `data.key` beside the database file, made on first
//! start; a PostgreSQL installation does not start, since its instances must share one key.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use crate::util;

/// The version tag of the sealed format: `v1:` + hex(nonce ‖ ciphertext ‖ tag).
const PREFIX: &str = "v1:";

pub struct DataKey(LessSafeKey);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<Self> {
        if bytes.len() != 32 {
            bail!("DATA_KEY must be 32 bytes (64 hex characters)");
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| anyhow::anyhow!("DATA_KEY is not a valid AES-256 key"))?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// Parses `DATA_KEY`'s 64 hex characters.
    pub fn parse_hex(text: &str) -> anyhow::Result<Vec<u8>> {
        match util::unhex(text.trim()) {
            Some(bytes) if bytes.len() == 32 => Ok(bytes),
            _ => bail!("DATA_KEY must be 64 hex characters (32 random bytes, e.g. `openssl rand -hex 32`)"),
        }
    }

    /// The key of an installation: `configured` (DATA_KEY), else, on SQLite, the key file beside the
    /// database (made now if absent).
    pub fn for_installation(configured: &[u8], sqlite_url: Option<&str>) -> anyhow::Result<Self> {
        if !configured.is_empty() {
            return Self::from_bytes(configured);
        }
        let Some(url) = sqlite_url else {
            bail!("DATA_KEY must be set (64 hex characters, the same on every instance) when the database is PostgreSQL");
        };
        let path = key_file(url);
        Self::from_bytes(&read_or_make(&path)?)
    }

    /// Seals `plain` for the row `row` (the additional data).
    pub fn seal(&self, row: &[u8], plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
        let mut sealed = plain.as_bytes().to_vec();
        self.0
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(row), &mut sealed)
            .map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", util::hex(&out)))
    }

    /// Opens what `seal` made for the same row; an error if the key, the row or the bytes differ.
    pub fn open(&self, row: &[u8], sealed: &str) -> anyhow::Result<String> {
        let bytes = sealed.strip_prefix(PREFIX).and_then(util::unhex).context("not a sealed value")?;
        if bytes.len() < NONCE_LEN {
            bail!("a sealed value too short");
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut rest = rest.to_vec();
        let plain = self.0.open_in_place(nonce, Aad::from(row), &mut rest).map_err(|_| anyhow::anyhow!("the sealed value does not open with this key"))?;
        String::from_utf8(plain.to_vec()).context("a sealed value that is not text")
    }
}

/// `data.key` in the directory of the SQLite database file.
fn key_file(url: &str) -> PathBuf {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    Path::new(path).parent().map_or_else(|| PathBuf::from("data.key"), |dir| dir.join("data.key"))
}

fn read_or_make(path: &Path) -> anyhow::Result<Vec<u8>> {
    match std::fs::read_to_string(path) {
        Ok(text) => DataKey::parse_hex(&text).with_context(|| format!("the key file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            let key = util::random_token(32)?;
            write_private(path, &key).with_context(|| format!("writing the key file {}", path.display()))?;
            tracing::warn!(file = %path.display(), "DATA_KEY is not set; identity documents are sealed with a key kept in this file (back it up with the database)");
            DataKey::parse_hex(&key)
        }
        Err(e) => Err(e).with_context(|| format!("reading the key file {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// "****1234": the last four characters of an identity document number, the rest hidden.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let shown: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("****{shown}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_bytes(&[7u8; 32]).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_for_its_row_only() {
        let sealed = key().seal(b"row-1", "110101199003071234").unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("1234"), "the number does not show through: {sealed}");
        assert_eq!(key().open(b"row-1", &sealed).unwrap(), "110101199003071234");
        assert!(key().open(b"row-2", &sealed).is_err());
        assert!(DataKey::from_bytes(&[8u8; 32]).unwrap().open(b"row-1", &sealed).is_err());
    }

    #[test]
    fn the_same_number_seals_differently_each_time() {
        assert_ne!(key().seal(b"r", "A1234567").unwrap(), key().seal(b"r", "A1234567").unwrap());
    }

    #[test]
    fn masking_shows_the_last_four() {
        assert_eq!(mask("110101199003071234"), "****1234");
        assert_eq!(mask("AB1"), "****AB1");
    }

    #[test]
    fn the_key_file_lies_beside_the_database() {
        assert_eq!(key_file("sqlite://data/gongkai.db?mode=rwc"), PathBuf::from("data/data.key"));
        assert_eq!(key_file("sqlite:///tmp/x/test.db"), PathBuf::from("/tmp/x/data.key"));
    }
}
