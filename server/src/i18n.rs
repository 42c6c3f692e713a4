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
    let bundle = bundle(locale);
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        tracing::error!(locale = locale.as_str(), id, "no such message");
        return id.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::from(*value));
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors).into_owned();
    if !errors.is_empty() {
        tracing::error!(locale = locale.as_str(), id, ?errors, "a message could not be rendered whole");
    }
    text
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
