//! The fixed part of the load: departments, accounts, consultations and their sections, as COPY rows,
//! plus the plan of how many comments each consultation gets.

use uuid::Uuid;

use crate::copy::CopyBuf;
use crate::rng::Rng;
use crate::text;

/// The big consultation is recognised by this word in its title.
pub const BIG_MARKER: &str = "百万";
pub const BIG_TITLE: &str = "关于百万市民参与城市更新行动的实施意见（征求意见稿）";
/// Every seeded account has this password; it is a benchmark fixture, not a secret.
pub const PASSWORD: &str = "bench-password-123";
pub const CITIZEN_EMAIL_PATTERN: &str = "citizen{i}@bench.gongkai.test";
pub const STAFF_EMAIL_PATTERN: &str = "staff{d}-{k}@bench.gongkai.test";
pub const STAFF_PER_DEPARTMENT: usize = 2;

pub const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

pub fn citizen_email(i: u64) -> String {
    CITIZEN_EMAIL_PATTERN.replace("{i}", &i.to_string())
}

pub fn staff_email(d: usize, k: usize) -> String {
    STAFF_EMAIL_PATTERN.replace("{d}", &d.to_string()).replace("{k}", &k.to_string())
}

/// Department name and the category of the consultations it leads.
const DEPARTMENTS: &[(&str, &str)] = &[
    ("市发展和改革委员会", "发展改革"),
    ("市教育局", "教育"),
    ("市科学技术局", "科技"),
    ("市公安局", "公共安全"),
    ("市民政局", "民政"),
    ("市司法局", "法治"),
    ("市财政局", "财政"),
    ("市人力资源和社会保障局", "就业社保"),
    ("市自然资源和规划局", "规划"),
    ("市生态环境局", "生态环境"),
    ("市住房和城乡建设局", "住房建设"),
    ("市交通运输局", "交通"),
    ("市水务局", "水务"),
    ("市农业农村局", "农业农村"),
    ("市商务局", "商务"),
    ("市文化广电旅游局", "文化旅游"),
    ("市卫生健康委员会", "卫生健康"),
    ("市市场监督管理局", "市场监管"),
    ("市城市管理综合执法局", "城市管理"),
    ("市政务服务数据管理局", "政务服务"),
];

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建华", "志强", "晓东"];

/// What a consultation looks like now, which decides its stored state, times and comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The one with the million comments.
    Big,
    /// The OPEN one the submit benchmark writes to.
    Target,
    Open,
    Upcoming,
    Draft,
    Withdrawn,
    Closed,
    Concluded,
}

pub struct Department {
    pub id: Uuid,
    pub staff: Vec<Uuid>,
}

pub struct ConsPlan {
    pub id: Uuid,
    pub kind: Kind,
    pub lead_department: Uuid,
    pub staff: Vec<Uuid>,
    pub sections: Vec<Uuid>,
    /// Comments are spread over `[from_ms, to_ms)`.
    pub from_ms: i64,
    pub to_ms: i64,
    pub comments: u64,
    pub campaign_share: f64,
    pub reply_rate: f64,
    pub pre_moderated: bool,
}

pub struct Base {
    pub departments: CopyBuf,
    pub users: CopyBuf,
    pub consultations: CopyBuf,
    pub cooperating: CopyBuf,
    pub sections: CopyBuf,
    pub citizens: Vec<Uuid>,
    pub plans: Vec<ConsPlan>,
}

pub const DEPARTMENT_COLUMNS: &str = "departments (id, code, name, created_at)";
pub const USER_COLUMNS: &str =
    "users (id, email, password_hash, display_name, phone, role, department_id, suspended, created_at, updated_at)";
pub const CONSULTATION_COLUMNS: &str = "consultations (id, title, summary, body, interpretation, category, \
     lead_department_id, state, moderation, opens_at, closes_at, published_at, withdrawn_reason, outcome_summary, \
     outcome_published_at, search_text, created_by, created_at, updated_at)";
pub const COOPERATING_COLUMNS: &str = "consultation_departments (consultation_id, department_id)";
pub const SECTION_COLUMNS: &str = "sections (id, consultation_id, ordinal, heading, body)";

pub struct Sizes {
    pub users: u64,
    pub consultations: usize,
    pub big_comments: u64,
}

fn kind_of(i: usize) -> Kind {
    match i {
        0 => Kind::Big,
        1 => Kind::Target,
        _ => match i % 20 {
            0..=12 => Kind::Open,
            13 => Kind::Upcoming,
            14 | 15 => Kind::Draft,
            16 | 17 => Kind::Closed,
            18 => Kind::Concluded,
            _ if (i / 20).is_multiple_of(2) => Kind::Withdrawn,
            _ => Kind::Concluded,
        },
    }
}

pub fn build(rng: &mut Rng, now_ms: i64, sizes: &Sizes, password_hash: &str) -> Base {
    let mut departments_rows = CopyBuf::new();
    let mut users = CopyBuf::new();
    let mut departments = Vec::new();

    let staff_created = now_ms - 800 * DAY_MS;
    for (d, (name, _)) in DEPARTMENTS.iter().enumerate() {
        let id = rng.v7(staff_created - 1000 + d as i64);
        departments_rows.uuid(id).text(&format!("BENCH-{:02}", d + 1)).text(name).ts(staff_created);
        departments_rows.end();
        let mut staff = Vec::new();
        for k in 1..=STAFF_PER_DEPARTMENT {
            let at = staff_created + (d * STAFF_PER_DEPARTMENT + k) as i64 * MINUTE_MS;
            let uid = rng.v7(at);
            users.uuid(uid).text(&staff_email(d + 1, k)).text(password_hash).text(&format!("{name}工作人员{k}"));
            users.null().text("STAFF").uuid(id).boolean(false).ts(at).ts(at);
            users.end();
            staff.push(uid);
        }
        departments.push(Department { id, staff });
    }
    for (email, name, role) in
        [("admin@bench.gongkai.test", "系统管理员", "ADMIN"), ("evaluator@bench.gongkai.test", "第三方评估员", "EVALUATOR")]
    {
        let at = staff_created - DAY_MS;
        users.uuid(rng.v7(at)).text(email).text(password_hash).text(name).null().text(role).null();
        users.boolean(false).ts(at).ts(at);
        users.end();
    }

    // Citizens registered between 700 and 320 days ago, before any seeded consultation opened.
    let mut citizens = Vec::with_capacity(sizes.users as usize);
    let first = now_ms - 700 * DAY_MS;
    let span = 380 * DAY_MS;
    for i in 1..=sizes.users {
        let at = first + (i as i64 * span) / (sizes.users as i64 + 1);
        let id = rng.v7(at);
        let surname = rng.pick(SURNAMES).copied().unwrap_or("王");
        let given = rng.pick(GIVEN).copied().unwrap_or("伟");
        users.uuid(id).text(&citizen_email(i)).text(password_hash).text(&format!("{surname}{given}"));
        if rng.chance(0.3) {
            users.text(&format!("13{:09}", rng.below(1_000_000_000)));
        } else {
            users.null();
        }
        users.text("CITIZEN").null().boolean(false).ts(at).ts(at);
        users.end();
        citizens.push(id);
    }

    let mut consultations = CopyBuf::new();
    let mut cooperating = CopyBuf::new();
    let mut sections = CopyBuf::new();
    let mut plans = Vec::new();
    for i in 0..sizes.consultations.max(2) {
        let kind = kind_of(i);
        let d = if kind == Kind::Big { 10 } else { i % departments.len() };
        let Some(dept) = departments.get(d) else { continue };
        let (name, category) = DEPARTMENTS[d];
        let (opens, closes) = match kind {
            Kind::Big => (now_ms - 40 * DAY_MS, now_ms + 20 * DAY_MS),
            Kind::Target => (now_ms - 10 * DAY_MS, now_ms + 60 * DAY_MS),
            Kind::Open => (now_ms - rng.range(DAY_MS, 40 * DAY_MS), now_ms + rng.range(3 * DAY_MS, 45 * DAY_MS)),
            Kind::Upcoming => {
                let o = now_ms + rng.range(2 * DAY_MS, 10 * DAY_MS);
                (o, o + 30 * DAY_MS)
            }
            Kind::Draft | Kind::Withdrawn => {
                let o = now_ms + rng.range(10 * DAY_MS, 40 * DAY_MS);
                (o, o + 30 * DAY_MS)
            }
            Kind::Closed => (now_ms - rng.range(60 * DAY_MS, 120 * DAY_MS), now_ms - rng.range(DAY_MS, 30 * DAY_MS)),
            Kind::Concluded => {
                let o = now_ms - rng.range(150 * DAY_MS, 300 * DAY_MS);
                (o, o + 30 * DAY_MS)
            }
        };
        let created = (opens - 5 * DAY_MS).min(now_ms - 5 * DAY_MS) - rng.range(0, DAY_MS);
        let published = match kind {
            Kind::Draft | Kind::Withdrawn => None,
            _ => Some((opens - DAY_MS).min(now_ms - DAY_MS)),
        };
        let state = match kind {
            Kind::Draft => "DRAFT",
            Kind::Withdrawn => "WITHDRAWN",
            Kind::Concluded => "CONCLUDED",
            _ => "PUBLISHED",
        };
        let pre_moderated = kind == Kind::Open && i % 7 == 3;
        let title = if kind == Kind::Big { BIG_TITLE.to_owned() } else { text::title(i) };
        let summary_len = rng_len(rng, 30, 90);
        let summary = format!(
            "{name}起草了《{}》，现向社会公开征求意见，欢迎通过本平台提出意见和建议。{}",
            title.trim_start_matches("关于").split('（').next().unwrap_or_default(),
            text::sentences(rng, summary_len)
        );
        let id = rng.v7(created);
        let section_count = if kind == Kind::Big { 8 } else { rng.range(3, 9) as usize };
        let mut section_ids = Vec::new();
        let mut body = String::new();
        for ordinal in 1..=section_count {
            let sid = rng.v7(created + ordinal as i64);
            let heading = text::section_heading(ordinal, rng);
            let section_len = rng_len(rng, 80, 300);
            let section_body = text::sentences(rng, section_len);
            sections.uuid(sid).uuid(id).int(ordinal as i64).text(&heading).text(&section_body);
            sections.end();
            body.push_str(&heading);
            body.push('\n');
            body.push_str(&section_body);
            body.push_str("\n\n");
            section_ids.push(sid);
        }
        let interpretation = rng.chance(0.5).then(|| text::sentences(rng, 150));
        let withdrawn_reason = (kind == Kind::Withdrawn).then_some("因上位法修订，暂缓公开征求意见。");
        let outcome_summary = (kind == Kind::Concluded)
            .then(|| format!("本次征求意见共收到市民意见若干条，经逐条研究，已在修改稿中吸收采纳。{}", text::reply_body(rng)));
        let outcome_published = (kind == Kind::Concluded).then_some(closes + 10 * DAY_MS);
        let search_text = format!("{title}\n{summary}").to_lowercase();
        let creator = dept.staff.first().copied().unwrap_or(dept.id);
        let moderation = if pre_moderated { "PRE" } else { "POST" };
        consultations.uuid(id).text(&title).text(&summary).text(body.trim_end()).opt_text(interpretation.as_deref());
        consultations.text(category).uuid(dept.id).text(state).text(moderation).ts(opens).ts(closes);
        consultations.opt_ts(published).opt_text(withdrawn_reason).opt_text(outcome_summary.as_deref());
        consultations.opt_ts(outcome_published).text(&search_text).uuid(creator).ts(created).ts(created);
        consultations.end();

        let coop = if i % 5 == 0 { 2 } else { usize::from(i % 3 == 0) };
        for c in 1..=coop {
            if let Some(other) = departments.get((d + c * 7) % departments.len()) {
                cooperating.uuid(id).uuid(other.id);
                cooperating.end();
            }
        }

        let comments = match kind {
            Kind::Big => sizes.big_comments,
            Kind::Target | Kind::Open | Kind::Closed | Kind::Concluded => 100 + rng.below(500),
            Kind::Upcoming | Kind::Draft | Kind::Withdrawn => 0,
        };
        plans.push(ConsPlan {
            id,
            kind,
            lead_department: dept.id,
            staff: dept.staff.clone(),
            sections: section_ids,
            from_ms: opens + MINUTE_MS,
            to_ms: closes.min(now_ms) - 5 * MINUTE_MS,
            comments,
            campaign_share: if kind == Kind::Big { 0.2 } else { 0.05 },
            reply_rate: match kind {
                Kind::Big => 0.1,
                Kind::Closed => 0.6,
                Kind::Concluded => 0.95,
                _ => 0.3,
            },
            pre_moderated,
        });
    }

    Base { departments: departments_rows, users, consultations, cooperating, sections, citizens, plans }
}

fn rng_len(rng: &mut Rng, lo: i64, hi: i64) -> usize {
    rng.range(lo, hi) as usize
}
