//! Chinese text for titles, comments and replies, generated from phrase lists, and the duplicate
//! fingerprint exactly as the server computes it.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::rng::Rng;

const PHRASES: &[&str] = &[
    "建议进一步明确适用范围", "希望加强对老旧小区的改造力度", "条款表述不够清晰", "应当增加公众参与的渠道",
    "建议延长过渡期", "支持该项改革措施", "反对提高收费标准", "希望政府信息及时公开", "对基层执行能力存在担忧",
    "建议设立专门的监督机制", "应当充分听取居民意见", "注意保护个人隐私", "数据共享需要明确边界", "建议简化办事流程",
    "希望加大财政投入", "对中小企业影响较大", "交通拥堵问题亟待解决", "学校周边安全需要保障", "养老服务供给不足",
    "社区医疗资源分配不均", "停车位严重不足", "建议增设无障碍设施", "噪音扰民问题长期存在", "垃圾分类宣传不到位",
    "公共绿地面积偏少", "租房市场秩序有待规范", "建议明确责任主体", "处罚标准过高", "处罚力度偏轻",
    "实施细则应当尽快出台", "建议增加听证程序", "希望公开资金使用情况", "部门之间协调不畅", "应当设置合理的申诉渠道",
    "建议参考其他城市的做法", "本条与上位法的衔接需要再研究", "用语应当更加通俗易懂", "建议在网站上公开解读材料",
    "希望听取专家学者的意见", "对特殊群体应当有照顾措施", "夜间施工影响休息", "公交线路覆盖不足", "建议优化营商环境",
    "电动自行车管理需要细化", "物业服务标准应当统一", "雨季排水设施需要改善", "文化设施开放时间太短",
    "建议增加社区活动空间", "希望提高办事效率", "网上办理系统经常出错", "窗口服务态度有待改进", "监督考核应当公开透明",
    "建议每年公布执行报告", "条款之间存在重复", "定义部分需要补充", "生效时间过于仓促", "应当保留线下办理渠道",
    "老年人使用智能设备存在困难", "建议加强执法人员培训", "希望设立专项补贴", "新建小区配套设施迟迟不到位",
    "外来务工人员子女入学难", "菜市场搬迁给居民带来不便", "充电桩建设应当纳入规划", "建议公开评估报告全文",
];

/// A phrase found in no other generated text, which one ordinary comment in `RARE_EVERY` ends with:
/// the benchmark's search for a rare word (古树) finds those.
pub const RARE_PHRASE: &str = "。古树名木应当挂牌保护";
pub const RARE_EVERY: u64 = 10_000;

const OPENERS: &[&str] = &["我认为", "另外", "同时", "其次", "总之", "具体来说", "例如", "作为本市居民", "从实际情况看"];

const REPLY_PHRASES: &[&str] = &[
    "感谢您的宝贵意见", "经研究，我们已在修改稿中采纳该建议", "该建议涉及其他部门职责，已转交相关部门研究",
    "相关内容将在实施细则中予以明确", "根据上位法规定，该条款暂不作调整", "我们将进一步加强宣传解读工作",
    "已部分吸收您的意见，对条款表述作了修改", "我们将在后续工作中统筹考虑", "该问题已列入年度重点工作计划",
    "经评估，该建议与现行规划不一致，暂不采纳",
];

const TOPICS: &[&str] = &[
    "加强老旧小区改造", "优化公交线网布局", "规范共享单车停放", "促进养老服务发展", "推进生活垃圾分类",
    "加强学校周边安全管理", "完善社区卫生服务体系", "规范房屋租赁市场", "支持中小企业发展", "推进公共数据开放共享",
    "加强噪声污染防治", "提升政务服务效能", "规范电动自行车管理", "加强河道综合治理", "促进夜间经济发展",
    "完善停车设施建设", "加强食品安全监管", "推进智慧城市建设", "持续优化营商环境", "加强历史文化街区保护",
    "完善住房保障体系", "推进城乡供水一体化", "加强公共文化服务", "促进就业创业", "规范物业服务管理",
];

const DOC_KINDS: &[&str] = &["实施意见", "管理办法", "若干规定", "工作方案", "条例", "实施细则", "三年行动计划"];

const NUMERALS: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// A mass-campaign text: the same words sent by many people, with small punctuation differences
/// that the fingerprint folds away.
pub struct Campaign {
    pub text: &'static str,
    pub stance: &'static str,
    pub weight: f64,
}

pub const CAMPAIGNS: &[Campaign] = &[
    Campaign {
        text: "坚决反对本条例第十二条关于提高停车收费标准的规定，此举将大大增加普通市民的生活负担，请求撤回该条款！",
        stance: "OPPOSE",
        weight: 40.0,
    },
    Campaign {
        text: "我们小区全体业主联名支持加快老旧小区加装电梯工作，希望尽快出台具体实施办法和补贴标准。",
        stance: "SUPPORT",
        weight: 25.0,
    },
    Campaign {
        text: "强烈要求保留社区菜市场，不得以城市更新为名拆除居民日常生活必需的便民设施。",
        stance: "OPPOSE",
        weight: 15.0,
    },
    Campaign {
        text: "支持公开征求意见，建议延长征求意见期限至六十日，让更多市民有机会充分表达意见。",
        stance: "NEUTRAL",
        weight: 12.0,
    },
    Campaign { text: "请求增设学校周边交通安全设施，保障孩子上下学安全！", stance: "SUPPORT", weight: 8.0 },
];

/// One of the campaign's spellings: punctuation and spacing vary, the fingerprint does not.
pub fn campaign_variant(rng: &mut Rng, campaign: &Campaign) -> String {
    match rng.below(6) {
        0 | 1 => campaign.text.to_owned(),
        2 => format!("{}！！", campaign.text.trim_end_matches('！')),
        3 => campaign.text.replace('，', ", ").replace('。', "."),
        4 => campaign.text.replace('，', " ，"),
        _ => format!("{}!", campaign.text.trim_end_matches(['！', '。'])),
    }
}

fn push_piece(rng: &mut Rng, out: &mut String) -> usize {
    let before = out.len();
    match rng.below(12) {
        0 => {
            let a = rng.range(5, 90);
            out.push_str(&format!("建议将期限从{}日调整为{}日", a, a + rng.range(5, 60)));
        }
        1 => out.push_str(&format!("第{}条第{}款的规定不够具体", rng.range(1, 40), rng.range(1, 6))),
        2 => out.push_str(&format!("我所在的小区已有{}年没有维修", rng.range(2, 30))),
        3 => out.push_str(&format!("每月费用增加约{}元", rng.range(20, 900))),
        _ => {
            if rng.chance(0.2) {
                if let Some(o) = rng.pick(OPENERS) {
                    out.push_str(o);
                    out.push('，');
                }
            }
            if let Some(p) = rng.pick(PHRASES) {
                out.push_str(p);
            }
        }
    }
    out[before..].chars().count()
}

/// Joins phrases with Chinese punctuation until `target` characters, then cuts there. Long texts get
/// paragraph breaks. The result is trimmed and NFC, as the server stores comments.
pub fn sentences(rng: &mut Rng, target: usize) -> String {
    let mut out = String::with_capacity(target * 3 + 64);
    let mut chars = 0;
    let mut since_break = 0;
    while chars < target {
        chars += push_piece(rng, &mut out);
        let punct = match rng.below(10) {
            0..=4 => '，',
            5..=7 => '。',
            8 => '；',
            _ => '！',
        };
        out.push(punct);
        chars += 1;
        since_break += 1;
        if target > 200 && since_break > 6 && punct == '。' && rng.chance(0.5) {
            out.push('\n');
            chars += 1;
            since_break = 0;
        }
    }
    // One character is kept for the closing full stop.
    if let Some((cut, _)) = out.char_indices().nth(target.saturating_sub(1).max(1)) {
        out.truncate(cut);
    }
    let trimmed = out.trim_end_matches(['，', '；', '\n']).trim();
    let mut text = trimmed.to_owned();
    if !text.ends_with(['。', '！', '？']) {
        text.push('。');
    }
    text
}

/// A comment body of 10–800 characters, most of them short.
pub fn comment_body(rng: &mut Rng) -> String {
    let u = rng.unit();
    let target = 10 + (790.0 * u * u) as usize;
    sentences(rng, target)
}

pub fn reply_body(rng: &mut Rng) -> String {
    let n = rng.range(1, 4);
    let mut out = String::new();
    for _ in 0..n {
        if let Some(p) = rng.pick(REPLY_PHRASES) {
            out.push_str(p);
            out.push('。');
        }
    }
    out
}

/// A consultation title; `i` picks the topic and the kind of document.
pub fn title(i: usize) -> String {
    let topic = TOPICS[i % TOPICS.len()];
    let kind = DOC_KINDS[(i / TOPICS.len() + i) % DOC_KINDS.len()];
    let round = i / (TOPICS.len() * DOC_KINDS.len());
    if round == 0 {
        format!("关于{topic}的{kind}（征求意见稿）")
    } else {
        format!("关于{topic}的{kind}（第{}次征求意见稿）", round + 1)
    }
}

pub fn section_heading(ordinal: usize, rng: &mut Rng) -> String {
    let n = NUMERALS.get(ordinal.saturating_sub(1)).copied().unwrap_or("十");
    let words = rng.pick(PHRASES).copied().unwrap_or("总则");
    format!("第{n}条 {words}")
}

/// The key that puts a comment in a duplicate group, as the server computes it: NFKC, lower case,
/// only letters and digits kept, SHA-256.
pub fn fingerprint(body: &str) -> [u8; 32] {
    let folded: String = body.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect();
    Sha256::digest(folded.as_bytes()).into()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_variants_share_a_fingerprint() {
        let mut rng = Rng::new(3);
        for c in CAMPAIGNS {
            let fp = fingerprint(c.text);
            for _ in 0..50 {
                assert_eq!(fingerprint(&campaign_variant(&mut rng, c)), fp);
            }
        }
    }

    #[test]
    fn fingerprint_matches_the_server_definition() {
        assert_eq!(fingerprint("支持本条例！ Good Idea."), fingerprint("支持本条例!goodidea"));
        assert_eq!(fingerprint("ＡＢＣ"), fingerprint("abc"));
        assert_eq!(hex(&fingerprint("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn bodies_are_within_bounds_and_trimmed() {
        let mut rng = Rng::new(11);
        for _ in 0..2000 {
            let b = comment_body(&mut rng);
            let n = b.chars().count();
            assert!((1..=800).contains(&n), "{n}");
            assert_eq!(b.trim(), b);
            assert!(!b.chars().any(|c| c.is_control() && c != '\n'));
        }
    }
}

/// How an edited campaign letter differs from its campaign's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Added,
    Removed,
    Replaced,
}

const ADDED_WORDS: &[&str] = &["恳请领导重视", "谢谢", "我认为", "作为本市居民", "此致敬礼", "望采纳", "特此建议", "务必", "强烈", "切实"];

/// A campaign letter as campaigners edit it: one to three edits, each adding a few words, cutting a
/// span of two to five characters, or replacing a span of two to four with other words.
pub fn edited_campaign(rng: &mut Rng, campaign: &Campaign) -> (String, Vec<Edit>) {
    let mut chars: Vec<char> = campaign.text.chars().collect();
    let mut edits = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let at = rng.below(chars.len().max(1) as u64) as usize;
        match rng.below(3) {
            0 => {
                let word = rng.pick(ADDED_WORDS).copied().unwrap_or("谢谢");
                chars.splice(at..at, word.chars());
                edits.push(Edit::Added);
            }
            1 => {
                let len = rng.range(2, 5) as usize;
                let end = (at + len).min(chars.len());
                chars.drain(at..end);
                edits.push(Edit::Removed);
            }
            _ => {
                let len = rng.range(2, 4) as usize;
                let end = (at + len).min(chars.len());
                let phrase: Vec<char> = rng.pick(PHRASES).map(|p| p.chars().collect()).unwrap_or_default();
                let start = rng.below(phrase.len().saturating_sub(len).max(1) as u64) as usize;
                let word: Vec<char> = phrase.iter().skip(start).take(len).copied().collect();
                chars.splice(at..end, word);
                edits.push(Edit::Replaced);
            }
        }
    }
    (chars.into_iter().collect(), edits)
}

/// A text folded as the server folds it for duplicate and similar groups.
pub fn folded(body: &str) -> String {
    body.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
}
