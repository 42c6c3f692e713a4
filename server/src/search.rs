//! Chinese and English text as search tokens and keyword terms.
//!
//! **Index tokens** (`index_tokens`, written with each comment and consultation): a space-separated
//! string of
//! - the words jieba finds in each run of Han characters, in search mode (a long word also yields its
//!   dictionary sub-words: 中华人民共和国 gives 中华, 华人, 人民, 共和, 共和国 …);
//! - every single Han character and every pair of adjacent Han characters, so that any word of one or
//!   two characters is found even where jieba cut the text differently;
//! - every run of ASCII letters and digits, lowercased (`5G基站` gives `5g`; `PM2.5` gives `pm2` and `5`).
//!
//! Tokens hold only Han characters and ASCII letters and digits, so spaces separate them for both
//! PostgreSQL's `simple` configuration and SQLite's `unicode61` tokenizer, neither of which splits a
//! run of Han characters.
//!
//! **Query words** (`query_words`): the query split the same way into Han runs and ASCII words. A
//! match must contain every query word (AND):
//! - a Han run of one or two characters must be one of the text's tokens (its characters, or a pair
//!   of adjacent characters);
//! - a longer Han run must have all of its overlapping pairs (基础设施 needs 基础, 础设 and 设施): close
//!   to a phrase match, and independent of how jieba cut the text;
//! - an ASCII word must be a whole word of the text (`5g` does not find `5gb`).
//!
//! **Keyword terms** (`keyword_terms`): the distinct words of a text that count towards a
//! consultation's keywords: jieba's words (precise mode) of two or more Han characters, and ASCII words
//! of two or more characters that are not all digits, less the stop words of `data/stopwords.txt`.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jieba_rs::Jieba;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The segmenter with its embedded dictionary, loaded once (about 0.4 s) on first use.
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

static STOP_WORDS: LazyLock<BTreeSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/stopwords.txt").lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
});

/// Loads the dictionary now (at start-up), so the first comment written does not wait for it.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
    LazyLock::force(&STOP_WORDS);
}

/// A Han character (CJK unified ideographs and their extensions, compatibility ideographs).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF | 0x30000..=0x3134F)
}

#[derive(Debug, PartialEq, Eq)]
enum Run<'a> {
    Han(&'a str),
    Ascii(String),
}

/// The text's runs of Han characters and of ASCII letters and digits (lowercased); everything else
/// separates them.
fn runs(text: &str) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let mut start: Option<(usize, bool)> = None;
    fn close<'a>(text: &'a str, out: &mut Vec<Run<'a>>, from: usize, to: usize, han: bool) {
        let part = &text[from..to];
        out.push(if han { Run::Han(part) } else { Run::Ascii(part.to_ascii_lowercase()) });
    }
    for (i, c) in text.char_indices() {
        let kind = if is_han(c) {
            Some(true)
        } else if c.is_ascii_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (start, kind) {
            (Some((_, han)), Some(k)) if han == k => {}
            (Some((from, han)), _) => {
                close(text, &mut out, from, i, han);
                start = kind.map(|k| (i, k));
            }
            (None, Some(k)) => start = Some((i, k)),
            (None, None) => {}
        }
    }
    if let Some((from, han)) = start {
        close(text, &mut out, from, text.len(), han);
    }
    out
}

/// Each character and each pair of adjacent characters of a Han run.
fn grams(run: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = run.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        out.push(c.to_string());
        if let Some(next) = chars.get(i + 1) {
            out.push([*c, *next].iter().collect());
        }
    }
}

/// The tokens to index for `text`, space-separated (see the module's description).
pub fn index_tokens(text: &str) -> String {
    let mut tokens: Vec<String> = Vec::new();
    for run in runs(text) {
        match run {
            Run::Han(han) => {
                grams(han, &mut tokens);
                // Pairs and single characters are there already; jieba adds the longer words.
                tokens.extend(JIEBA.cut_for_search(han, true).into_iter().map(|t| t.word).filter(|w| w.chars().count() > 2).map(str::to_owned));
            }
            Run::Ascii(word) => tokens.push(word),
        }
    }
    // One token once: the index weighs nothing by frequency, and the row stays short.
    let mut seen = BTreeSet::new();
    tokens.retain(|t| seen.insert(t.clone()));
    tokens.join(" ")
}

/// One word of a query: every one of its tokens must be in a text for the word to match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWord(pub Vec<String>);

/// The query's words (see the module's description); none when it holds no Han character, ASCII
/// letter or digit.
pub fn query_words(query: &str) -> Vec<QueryWord> {
    let mut words = Vec::new();
    for run in runs(query) {
        match run {
            Run::Han(han) => {
                let chars: Vec<char> = han.chars().collect();
                if chars.len() <= 2 {
                    words.push(QueryWord(vec![han.to_owned()]));
                } else {
                    words.push(QueryWord(chars.windows(2).map(|w| w.iter().collect()).collect()));
                }
            }
            Run::Ascii(word) => words.push(QueryWord(vec![word])),
        }
    }
    words
}

/// Every token a query needs, once each, in a stable order.
pub fn query_tokens(words: &[QueryWord]) -> Vec<String> {
    let set: BTreeSet<&String> = words.iter().flat_map(|w| w.0.iter()).collect();
    set.into_iter().cloned().collect()
}

/// A PostgreSQL `tsquery` (for `to_tsquery('simple', …)`, bound as a parameter) that matches texts
/// holding every token: each token quoted as a lexeme, joined by `&`. Tokens hold only Han characters
/// and ASCII letters and digits, but the quoting does not rely on it.
pub fn pg_tsquery(tokens: &[String]) -> String {
    tokens.iter().map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''"))).collect::<Vec<_>>().join(" & ")
}

/// An SQLite FTS5 `MATCH` expression (bound as a parameter) that matches texts holding every token:
/// each token a quoted string, implicitly ANDed.
pub fn fts5_query(tokens: &[String]) -> String {
    tokens.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

/// The distinct keyword terms of `text` (see the module's description), sorted.
pub fn keyword_terms(text: &str) -> Vec<String> {
    let mut terms = BTreeSet::new();
    for run in runs(text) {
        match run {
            Run::Han(han) => {
                for token in JIEBA.cut(han, true) {
                    if token.word.chars().count() >= 2 && !STOP_WORDS.contains(token.word) {
                        terms.insert(token.word.to_owned());
                    }
                }
            }
            Run::Ascii(word) => {
                if word.len() >= 2 && !word.bytes().all(|b| b.is_ascii_digit()) && !STOP_WORDS.contains(word.as_str()) {
                    terms.insert(word);
                }
            }
        }
    }
    terms.into_iter().collect()
}

/// A consultation's searchable text: its title, summary and body.
pub fn consultation_tokens(title: &str, summary: &str, body: &str) -> String {
    index_tokens(&format!("{title}\n{summary}\n{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        index_tokens(text).split(' ').map(str::to_owned).collect()
    }

    /// Whether the index tokens of `text` satisfy `query`, as the databases decide it.
    fn matches(text: &str, query: &str) -> bool {
        let have = tokens(text);
        let words = query_words(query);
        !words.is_empty() && query_tokens(&words).iter().all(|t| have.contains(t))
    }

    #[test]
    fn han_text_yields_characters_pairs_and_jieba_words() {
        let t = tokens("中华人民共和国");
        for expected in ["中", "华", "中华", "华人", "人民", "共和", "和国", "共和国", "中华人民共和国"] {
            assert!(t.contains(&expected.to_owned()), "{expected} in {t:?}");
        }
    }

    #[test]
    fn ascii_words_and_digits_are_lowercased_runs() {
        assert_eq!(tokens("5G基站"), ["5g", "基", "基站", "站"]);
        let pm = tokens("PM2.5浓度");
        assert!(pm.contains(&"pm2".to_owned()) && pm.contains(&"5".to_owned()) && pm.contains(&"浓度".to_owned()), "{pm:?}");
        assert_eq!(tokens("Hello, WORLD!"), ["hello", "world"]);
    }

    #[test]
    fn punctuation_and_space_separate_runs_and_tokens_repeat_once() {
        assert_eq!(tokens("路，路。"), ["路"]);
        assert_eq!(index_tokens("！？…"), "");
    }

    #[test]
    fn one_two_and_four_character_words_are_found() {
        let text = "建议在老旧小区加装电梯，并完善基础设施。";
        assert!(matches(text, "梯"));
        assert!(matches(text, "电梯"));
        assert!(matches(text, "基础设施"));
        assert!(matches(text, "小区 电梯"));
        assert!(!matches(text, "停车"));
        assert!(!matches(text, "设施基础"), "a long word needs its own pairs, not just its characters");
    }

    #[test]
    fn a_two_character_word_jieba_cuts_across_is_still_found() {
        // jieba cuts 研究生命 into 研究生/命 or 研究/生命; both pairs are indexed either way.
        assert!(matches("研究生命的起源", "生命"));
        assert!(matches("研究生命的起源", "究生"));
    }

    #[test]
    fn mixed_queries_need_every_word() {
        let text = "5G基站的辐射与PM2.5无关";
        assert!(matches(text, "5G基站"));
        assert!(matches(text, "pm2.5"));
        assert!(!matches(text, "5GB"));
        assert!(!matches(text, "4G基站"));
    }

    #[test]
    fn a_query_without_words_has_none() {
        assert!(query_words("，。！？ …").is_empty());
        assert!(query_words("   ").is_empty());
        assert_eq!(query_words("垃圾分类 Recycling"), [
            QueryWord(vec!["垃圾".into(), "圾分".into(), "分类".into()]),
            QueryWord(vec!["recycling".into()])
        ]);
    }

    #[test]
    fn query_strings_quote_their_tokens() {
        let t = vec!["基站".to_owned(), "5g".to_owned(), "it's".to_owned()];
        assert_eq!(pg_tsquery(&t), "'基站' & '5g' & 'it''s'");
        assert_eq!(fts5_query(&["a\"b".to_owned(), "站".to_owned()]), "\"a\"\"b\" \"站\"");
    }

    #[test]
    fn keyword_terms_are_words_of_two_or_more_without_stop_words() {
        let terms = keyword_terms("我们建议增加公交线路，公交站台要有遮阳棚。The bus and the BUS stop, 2026");
        assert!(terms.contains(&"公交".to_owned()), "{terms:?}");
        assert!(terms.contains(&"bus".to_owned()) && terms.contains(&"stop".to_owned()), "{terms:?}");
        for left_out in ["我们", "the", "and", "2026", "，"] {
            assert!(!terms.contains(&left_out.to_owned()), "{left_out} in {terms:?}");
        }
        assert!(terms.iter().all(|t| t.chars().count() >= 2));
        assert_eq!(terms.iter().filter(|t| *t == "公交").count(), 1);
    }

    #[test]
    fn han_ranges_include_extensions() {
        assert!(is_han('中') && is_han('㐀') && is_han('𠀀'));
        assert!(!is_han('a') && !is_han('，') && !is_han('あ'));
    }
}
