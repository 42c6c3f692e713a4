//! What people read, in Simplified Chinese and English (Project Fluent): the messages live in
//! `server/locales/<locale>.ftl`, one file per language, each with every message of the other (a test
//! fails otherwise). A message is rendered in the reader's language: the account's `locale`, else the
//! request's `Accept-Language`, else the default (`zh-CN`).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the platform speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    #[default]
    ZhCn,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Locale::ZhCn => include_str!("../locales/zh-CN.ftl"),
            Locale::En => include_str!("../locales/en.ftl"),
        }
    }

    /// A stored or requested language tag: `zh`, `zh-CN`, `zh-Hans`… are Chinese, `en`, `en-GB`…
    /// English; anything else is not one of ours.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The first of our languages in an `Accept-Language` header, by the client's weights.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut ranked: Vec<(f32, Locale)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let locale = Locale::parse(pieces.next()?)?;
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                    .unwrap_or(1.0);
                (weight > 0.0).then_some((weight, locale))
            })
            .collect();
        // Stable: equal weights keep the client's order.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, locale)| *locale)
    }

    /// The reader's language: the account's choice, else the request's, else the default.
    pub fn choose(account: Option<&str>, request: Option<Locale>, default: Locale) -> Locale {
        account.and_then(Locale::parse).or(request).unwrap_or(default)
    }
}

struct Bundles([FluentBundle<FluentResource>; 2]);

fn bundle(locale: Locale) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    let bundles = BUNDLES.get_or_init(|| Bundles(Locale::ALL.map(load)));
    &bundles.0[locale as usize]
}

/// The bundle of one language. The resources are part of the binary and checked by the tests, so a
/// syntax error there is a build defect: it is logged and the faulty entries are left out.
fn load(locale: Locale) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(locale.source().to_owned()).unwrap_or_else(|(resource, errors)| {
        tracing::error!(locale = locale.as_str(), ?errors, "syntax errors in a message file");
        resource
    });
    let id: LanguageIdentifier = locale.as_str().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the texts go to plain-text email and apps, and the
    // platform refuses text-direction controls everywhere else.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(locale = locale.as_str(), ?errors, "duplicate messages in a message file");
    }
    bundle
}

/// The message `id` in `locale` with `args` (string values); the id itself if there is no such
/// message (a test keeps that from happening).
pub fn message(locale: Locale, id: &str, args: &[(&str, &str)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::from(*value));
    }
    render(locale, id, &fluent_args)
}

/// The one place a message is formatted: a missing message or argument is logged, never a panic.
fn render(locale: Locale, id: &str, args: &FluentArgs) -> String {
    let bundle = bundle(locale);
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::error!(locale = locale.as_str(), id, "no such message");
        return id.to_owned();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors).into_owned();
    if !errors.is_empty() {
        tracing::error!(locale = locale.as_str(), id, ?errors, "a message could not be rendered whole");
    }
    text
}

/// Something to say to a person, not yet in their language: a message id and its arguments, rendered
/// once the reader is known (an error is made deep in a service, long before anyone knows who reads
/// it). Built with `t!`, so that every id in the code is a literal a test can check against the
/// message files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// An argument of a `Text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Str(String),
    Int(i64),
    /// Another message, rendered in the same language first ("You may not { $what }.").
    Text(Text),
}

impl Text {
    /// For `t!` only: the macro is the one way to make a `Text` from an id.
    #[doc(hidden)]
    pub const fn from_id(id: &'static str) -> Self {
        Self { id, args: Vec::new() }
    }

    /// For `t!` only.
    #[doc(hidden)]
    pub fn with_arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn id(&self) -> &'static str {
        self.id
    }

    pub fn render(&self, locale: Locale) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in &self.args {
            match value {
                Arg::Str(s) => args.set(*name, FluentValue::from(s.clone())),
                Arg::Int(n) => args.set(*name, FluentValue::from(*n)),
                Arg::Text(text) => args.set(*name, FluentValue::from(text.render(locale))),
            }
        }
        render(locale, self.id, &args)
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Arg::Str(value.to_owned())
    }
}

impl From<String> for Arg {
    fn from(value: String) -> Self {
        Arg::Str(value)
    }
}

impl From<Text> for Arg {
    fn from(value: Text) -> Self {
        Arg::Text(value)
    }
}

macro_rules! int_args {
    (exact: $($t:ty),*; wide: $($w:ty),*) => {
        $(impl From<$t> for Arg {
            fn from(value: $t) -> Self {
                Arg::Int(i64::from(value))
            }
        })*
        $(impl From<$w> for Arg {
            fn from(value: $w) -> Self {
                Arg::Int(i64::try_from(value).unwrap_or(i64::MAX))
            }
        })*
    };
}
int_args!(exact: i32, i64, u32; wide: u64, usize);

/// A `Text` from a literal message id, with named arguments: `t!("error-only-draft-publishable")`,
/// `t!("field-at-most-chars", max = 100)`, `t!("error-may-not", what = t!("action-create-departments"))`.
#[macro_export]
macro_rules! t {
    ($id:literal $(,)?) => {
        $crate::i18n::Text::from_id($id)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::Text::from_id($id)$(.with_arg(stringify!($name), $value))+
    };
}

/// The ids of every message of `locale`.
pub fn message_ids(locale: Locale) -> Vec<String> {
    let resource = match FluentResource::try_new(locale.source().to_owned()) {
        Ok(resource) => resource,
        Err((resource, _)) => resource,
    };
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_every_language_and_parses() {
        for locale in Locale::ALL {
            assert!(FluentResource::try_new(locale.source().to_owned()).is_ok(), "{locale:?} has syntax errors");
        }
        let mut zh = message_ids(Locale::ZhCn);
        let mut en = message_ids(Locale::En);
        zh.sort();
        en.sort();
        assert!(!zh.is_empty());
        assert_eq!(zh, en, "a message exists in one language only");
    }

    #[test]
    fn messages_render_with_their_arguments_and_selectors() {
        let args = [("consultation", "垃圾分类条例"), ("adoption", "PARTIALLY_ADOPTED")];
        assert_eq!(
            message(Locale::ZhCn, "notification-COMMENT_REPLIED-body", &args),
            "您对“垃圾分类条例”提出的意见已获部门答复，处理结果：部分采纳。"
        );
        assert!(message(Locale::En, "notification-COMMENT_REPLIED-body", &args).ends_with("Verdict: partially adopted."));
        assert_eq!(message(Locale::En, "no-such-message", &[]), "no-such-message");
    }

    /// The id of every `t!` of the sources, with the file it is in.
    fn ids_in_the_code() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).expect("a source directory").map(|e| e.expect("an entry").path()).collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("a source file");
                    for (at, _) in text.match_indices("t!(\"") {
                        // `t!` itself, not `assert!(` or `format!(`.
                        if text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                            continue;
                        }
                        let rest = &text[at + 4..];
                        let id = &rest[..rest.find('"').expect("a closing quote")];
                        out.push((id.to_owned(), path.display().to_string()));
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
        out
    }

    #[test]
    fn every_message_the_code_names_exists_in_every_language() {
        let ids = ids_in_the_code();
        assert!(ids.len() > 100, "the scan found the messages: {}", ids.len());
        for locale in Locale::ALL {
            let known = message_ids(locale);
            let missing: Vec<_> = ids.iter().filter(|(id, _)| !known.contains(id)).collect();
            assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
        }
    }

    #[test]
    fn texts_render_their_arguments_and_nested_texts_in_one_language() {
        let text = crate::t!("error-may-not", what = crate::t!("action-create-departments"));
        assert_eq!(text.render(Locale::En), "Your account may not create departments.");
        assert_eq!(text.render(Locale::ZhCn), "您的账户无权创建部门。");
        assert_eq!(crate::t!("field-at-most-chars", max = 100).render(Locale::ZhCn), "不能超过 100 个字符");
        assert_eq!(crate::t!("error-rate-limited", seconds = 1u64).render(Locale::En), "Too many attempts. Try again in 1 second.");
        assert_eq!(crate::t!("error-rate-limited", seconds = 30u64).render(Locale::ZhCn), "操作过于频繁，请在 30 秒后重试。");
        let transition = crate::t!("error-moderation-transition", status = "PENDING", decision = "HIDE");
        assert_eq!(transition.render(Locale::En), "A pending comment cannot be hidden.");
        assert_eq!(transition.render(Locale::ZhCn), "待审核的意见不能隐藏。");
        // Not through `t!`, which the test above keeps to ids that exist.
        assert_eq!(Text::from_id("no-such-message").render(Locale::En), "no-such-message", "a missing id renders as itself");
    }

    #[test]
    fn the_language_is_the_accounts_else_the_requests_else_the_default() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("fr, zh-Hans;q=0.5, en;q=0.4"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("fr, de"), None);
        assert_eq!(Locale::from_accept_language("en;q=0, zh"), Some(Locale::ZhCn));
        assert_eq!(Locale::choose(Some("en"), Some(Locale::ZhCn), Locale::ZhCn), Locale::En);
        assert_eq!(Locale::choose(None, Some(Locale::En), Locale::ZhCn), Locale::En);
        assert_eq!(Locale::choose(Some("xx"), None, Locale::ZhCn), Locale::ZhCn);
    }
}
