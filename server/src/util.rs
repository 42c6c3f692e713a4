//! Small helpers: hex, keyed hashes, random tokens and cursors (ids and time come from `clock`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// The bytes of a lower- or upper-case hex string; None if it is not one.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// Compares secrets in time that depends only on their length.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// HMAC-SHA256 with the server's secret key, hex-encoded.
pub fn keyed_hash(key: &[u8], data: &[u8]) -> String {
    hex(&keyed_digest(key, data))
}

pub fn keyed_digest(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Sha256::digest([key, data].concat()).to_vec(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `bytes` random bytes from the operating system, hex-encoded.
pub fn random_token(bytes: usize) -> anyhow::Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
    Ok(hex(&buf))
}

/// Opaque cursors: a keyset position, hex-encoded so that clients treat it as a token.
pub fn encode_cursor(parts: &[&str]) -> String {
    hex(parts.join("|").as_bytes())
}

pub fn decode_cursor(cursor: &str) -> Option<Vec<String>> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 512 {
        return None;
    }
    let text = String::from_utf8(unhex(cursor)?).ok()?;
    Some(text.split('|').map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(&["12", "abc"]);
        assert_eq!(decode_cursor(&c).unwrap(), vec!["12", "abc"]);
        assert!(decode_cursor("zz").is_none());
        assert!(decode_cursor("abc").is_none());
    }

    #[test]
    fn hex_round_trips_and_secrets_compare_by_content() {
        assert_eq!(unhex(&hex(&[0, 15, 255])).unwrap(), vec![0, 15, 255]);
        assert!(unhex("0g").is_none());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
