//! Rows in PostgreSQL's COPY text format, and sending them over a connection.

use std::io::Write as _;

use chrono::DateTime;
use sea_orm::sqlx::postgres::PgConnection;
use uuid::Uuid;

/// A buffer of COPY text rows (tab-separated, `\N` for NULL, backslash escapes).
#[derive(Default)]
pub struct CopyBuf {
    pub buf: Vec<u8>,
    pub rows: u64,
    col: usize,
}

impl CopyBuf {
    pub fn new() -> Self {
        Self::default()
    }

    fn sep(&mut self) {
        if self.col > 0 {
            self.buf.push(b'\t');
        }
        self.col += 1;
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.buf.extend_from_slice(b"\\N");
        self
    }

    pub fn uuid(&mut self, id: Uuid) -> &mut Self {
        self.sep();
        let mut out = [0u8; 36];
        self.buf.extend_from_slice(id.hyphenated().encode_lower(&mut out).as_bytes());
        self
    }

    pub fn opt_uuid(&mut self, id: Option<Uuid>) -> &mut Self {
        match id {
            Some(id) => self.uuid(id),
            None => self.null(),
        }
    }

    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        for &b in s.as_bytes() {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                _ => self.buf.push(b),
            }
        }
        self
    }

    pub fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.buf, "{v}");
        self
    }

    pub fn opt_int(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    pub fn boolean(&mut self, v: bool) -> &mut Self {
        self.sep();
        self.buf.push(if v { b't' } else { b'f' });
        self
    }

    /// A `timestamptz` from Unix milliseconds, in UTC.
    pub fn ts(&mut self, ms: i64) -> &mut Self {
        self.sep();
        match DateTime::from_timestamp_millis(ms) {
            Some(t) => {
                let _ = write!(self.buf, "{}", t.format("%Y-%m-%d %H:%M:%S%.3f+00"));
            }
            None => self.buf.extend_from_slice(b"1970-01-01 00:00:00+00"),
        }
        self
    }

    pub fn opt_ts(&mut self, ms: Option<i64>) -> &mut Self {
        match ms {
            Some(ms) => self.ts(ms),
            None => self.null(),
        }
    }

    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.rows += 1;
        self.col = 0;
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
}

/// `COPY target FROM STDIN` with the buffer's rows; `target` is `table (col, ...)`.
pub async fn copy_in(conn: &mut PgConnection, target: &str, rows: &CopyBuf) -> anyhow::Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut copy = conn.copy_in_raw(&format!("COPY {target} FROM STDIN")).await?;
    copy.send(rows.buf.as_slice()).await?;
    Ok(copy.finish().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_nulls() {
        let mut b = CopyBuf::new();
        b.text("a\tb\\c\nd").null().int(-3).boolean(true).ts(0);
        b.end();
        assert_eq!(String::from_utf8_lossy(&b.buf), "a\\tb\\\\c\\nd\t\\N\t-3\tt\t1970-01-01 00:00:00.000+00\n");
    }
}
