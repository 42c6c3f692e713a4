# 通知（站内信与邮件共用）。参数：$consultation 征求意见稿标题，$title 监督意见标题，$reason 理由，$note 审核意见。

adoption = { $adoption ->
    [ADOPTED] 采纳
    [PARTIALLY_ADOPTED] 部分采纳
    [NOT_ADOPTED] 不予采纳
   *[EXPLAINED] 说明解释
}

notification-COMMENT_REPLIED-title = 您的意见收到了答复
notification-COMMENT_REPLIED-body = 您对“{ $consultation }”提出的意见已获部门答复，处理结果：{ adoption }。

notification-COMMENT_MODERATED-title = { $decision ->
    [PUBLISHED] 您的意见已公开
    [REJECTED] 您的意见未予公开
   *[HIDDEN] 您的意见已被隐藏
}
notification-COMMENT_MODERATED-body = { $decision ->
    [PUBLISHED] 您对“{ $consultation }”提出的意见经审核后已公开。
    [REJECTED] 您对“{ $consultation }”提出的意见经审核未予公开。理由：{ $reason }
   *[HIDDEN] 您对“{ $consultation }”提出的意见已被隐藏。理由：{ $reason }
}

notification-CONSULTATION_CONCLUDED-title = 征求意见结果已公布
notification-CONSULTATION_CONCLUDED-body = 您参与的“{ $consultation }”已公布意见采纳情况。

notification-APPLICATION_REVIEWED-title = { $decision ->
    [APPROVED] 您已受聘为政务公开监督员
   *[REJECTED] 您的监督员申请未获通过
}
notification-APPLICATION_REVIEWED-body = { $decision ->
    [APPROVED] 您的政务公开监督员申请已获批准，任期至 { $termEnd }。
   *[REJECTED] 您的政务公开监督员申请未获通过。审核意见：{ $note }
}

notification-APPOINTMENT_REVOKED-title = 您的监督员聘任已终止
notification-APPOINTMENT_REVOKED-body = 您的政务公开监督员聘任已提前终止。理由：{ $reason }

notification-OBSERVATION_FILED-title = 收到新的监督意见
notification-OBSERVATION_FILED-body = 监督员就“{ $title }”提出了监督意见，请在 { $dueAt } 前答复。

notification-OBSERVATION_FOLLOWED_UP-title = 监督意见有新的追问
notification-OBSERVATION_FOLLOWED_UP-body = 监督员对“{ $title }”进行了追问，请在 { $dueAt } 前答复。

notification-OBSERVATION_ANSWERED-title = 您的监督意见已获答复
notification-OBSERVATION_ANSWERED-body = 部门已答复您提出的监督意见“{ $title }”。

notification-APPOINTMENT_ENDING-title = 您的监督员任期即将届满
notification-APPOINTMENT_ENDING-body = 您的政务公开监督员任期将于 { $termEnd } 届满。

notification-OBSERVATION_DUE_SOON-title = 监督意见即将到期
notification-OBSERVATION_DUE_SOON-body = 监督意见“{ $title }”须在 { $dueAt } 前答复。

notification-OBSERVATION_OVERDUE-title = 监督意见已逾期
notification-OBSERVATION_OVERDUE-body = 监督意见“{ $title }”已超过答复期限（{ $dueAt }）仍未答复。
notification-DAILY_DIGEST-title = { $date } 待办摘要
notification-DAILY_DIGEST-body = 本部门待办：3 天内截止的征求意见中未答复的意见 { $comments } 条；3 个工作日内到期的监督意见和政府信息公开申请 { $dueSoon } 件；已逾期的监督意见和政府信息公开申请 { $overdue } 件。

## Email and the unsubscribe page

email-signature = 公开平台（本邮件由系统自动发送，请勿直接回复）
email-unsubscribe = 不再接收此类邮件
email-open = 打开平台查看
email-verify-subject = 您的邮箱验证码
email-verify-body = 您的验证码是 { $code }，30 分钟内有效。如非本人操作，请忽略本邮件。
email-reset-subject = 重置您的密码
email-reset-body = 我们收到了重置您账户密码的请求。请在 30 分钟内点击下面的链接设置新密码，链接仅可使用一次。如非本人操作，请忽略本邮件，您的密码不会改变。
email-reset-action = 设置新密码

unsubscribe-title = 退订邮件通知
unsubscribe-ask = 确认后，您将不再通过邮件收到“{ $kind }”类通知；站内通知不受影响，您也可以随时在个人设置中重新开启。
unsubscribe-button = 确认退订
unsubscribe-done-title = 已退订
unsubscribe-done = 您将不再通过邮件收到“{ $kind }”类通知。
unsubscribe-invalid-title = 链接无效
unsubscribe-invalid = 此退订链接无效或已损坏，请使用邮件中的完整链接。
unsubscribe-failed = 暂时无法完成退订，请稍后再试。

notification-kind-COMMENT_REPLIED = 意见获得答复
notification-kind-COMMENT_MODERATED = 意见审核结果
notification-kind-CONSULTATION_CONCLUDED = 征求意见结果公布
notification-kind-APPLICATION_REVIEWED = 监督员申请审核结果
notification-kind-APPOINTMENT_REVOKED = 监督员聘任终止
notification-kind-OBSERVATION_FILED = 新的监督意见
notification-kind-OBSERVATION_FOLLOWED_UP = 监督意见追问
notification-kind-OBSERVATION_ANSWERED = 监督意见获得答复
notification-kind-APPOINTMENT_ENDING = 监督员任期即将届满
notification-kind-OBSERVATION_DUE_SOON = 监督意见即将到期
notification-kind-OBSERVATION_OVERDUE = 监督意见已逾期
notification-kind-DAILY_DIGEST = 每日待办摘要

## Errors (the `message` of a GraphQL error and of the other endpoints' JSON errors). The codes and the
## field names stay in English: they are the API's, not the reader's.

error-unauthenticated = 请先登录。
error-bad-input-field = { $field }：{ $message }
error-bad-input = 部分填写内容不符合要求，请检查后重新提交。
error-rate-limited = 操作过于频繁，请在 { $seconds } 秒后重试。
error-consultation-not-open = 该征求意见稿当前不在意见征集期内。
error-unavailable = 服务暂时不可用，请稍后再试。
error-internal = 系统出现错误，请稍后重试。
error-already-exists = 该记录已存在。

# 有无权限。参数：$what 下列 action- 之一。
error-may-not = 您的账户无权{ $what }。
error-moderators-only-to = 仅牵头部门、协办部门的工作人员或管理员可以{ $what }。
error-supervisors-only = 仅受聘的政务公开监督员可以{ $what }。
error-supervisor-revoked = 您的监督员聘任已被终止，不能再{ $what }。
error-supervisor-out-of-term = 您的监督员聘任不在任期内，不能{ $what }。

action-create-consultations = 创建征求意见稿
action-edit-consultations = 编辑征求意见稿
action-manage-consultations = 管理征求意见稿
action-conclude-consultations = 办结征求意见
action-export-comments = 导出该征求意见稿收到的意见
action-read-audit-log = 查看审计日志
action-file-observations = 提出监督意见
action-follow-up-observations = 追问监督意见
action-create-departments = 创建部门
action-create-accounts = 创建账户
action-suspend-accounts = 停用账户
action-read-scorecards = 查看部门考评结果
action-reply-to-comments = 答复意见
action-endorse-comments = 附议意见
action-report-comments = 举报意见
action-comment = 发表意见
action-follow-new-comments = 实时查看该征求意见稿的新意见
action-apply-supervisor = 申请担任政务公开监督员
action-review-applications = 审核监督员申请
action-list-applications = 查看监督员申请
action-list-supervisors = 查看监督员名单
action-revoke-appointments = 终止监督员聘任
action-moderate-comments = 审核意见

error-staff-own-department-only = 工作人员只能创建由本部门牵头的征求意见稿。
error-consultation-final = 已结束征集、已办结或已撤回的征求意见稿不能再修改。
error-admin-only-hand-over = 仅管理员可以将征求意见稿移交其他部门牵头。
error-list-department-consultations = 仅本部门工作人员和管理员可以查看本部门的征求意见稿。
error-only-draft-publishable = 仅草稿可以发布。
error-only-open-closable = 仅正在征集意见的征求意见稿可以结束征集。
error-only-draft-or-upcoming-withdrawable = 仅草稿或尚未开始征集的征求意见稿可以撤回。
error-only-closed-concludable = 仅已结束征集的征求意见稿可以办结。
error-export-account-may-not = 申请本次导出的账户已无导出权限。
error-manage-consultation = 仅牵头部门的工作人员或管理员可以管理该征求意见稿。
error-moderators-only = 仅牵头部门、协办部门的工作人员或管理员可以进行此操作。
error-answer-observation = 仅该部门的工作人员或管理员可以答复监督意见。
error-follow-up-own-only = 仅提出该监督意见的监督员可以追问。
error-follow-up-awaits-answer = 该监督意见尚待部门答复，请在部门答复后再追问。
error-observation-changed = 该监督意见已有更新，请刷新后重试。
error-list-department-observations = 仅本部门工作人员、管理员和考评人员可以查看本部门收到的监督意见。
error-list-supervisor-observations = 仅监督员本人、管理员和考评人员可以查看该监督员提出的监督意见。
error-email-taken = 该邮箱已注册过账户。
error-bad-credentials = 邮箱或密码不正确。
error-account-suspended = 该账户已被停用。
error-department-code-taken = 该部门代码已存在。
error-no-replies = 该征求意见稿当前不能答复意见。
error-reply-withdrawn-or-rejected = 已撤回或未予公开的意见不能答复。
# 参数：$status 意见的状态，$decision 审核决定。
error-moderation-transition = { $status ->
        [PENDING] 待审核
        [PUBLISHED] 已公开
        [HIDDEN] 已隐藏
        [REJECTED] 未予公开
       *[WITHDRAWN] 已撤回
    }的意见不能{ $decision ->
        [PUBLISH] 公开
        [REJECT] 不予公开
       *[HIDE] 隐藏
    }。
error-endorse-published-only = 仅已公开的意见可以附议。
error-endorse-own = 不能附议自己的意见。
error-already-reported = 您已举报过这条意见。
error-list-unpublished-comments = 仅该征求意见稿的工作人员可以查看未公开的意见。
error-list-reported-comments = 仅该征求意见稿的工作人员可以查看被举报的意见。
error-comment-changed = 该意见已被他人修改，请刷新后重试。
error-edit-withdrawn-or-rejected = 已撤回或未予公开的意见不能修改。
error-edit-replied = 已获答复的意见不能再修改。
error-edit-window = 意见仅可在提交后 { $minutes } 分钟内修改。
error-edit-author-only = 仅意见提出人可以修改该意见。
error-withdraw-author-only = 仅意见提出人可以撤回该意见。
error-email-not-set-up = 本平台未开通邮件服务。
error-email-already-verified = 该邮箱已完成验证。
error-session-ended = 您的登录已失效，请重新登录。
error-session-ended-feed = 您的登录已失效，请重新登录后继续接收实时动态。
error-application-pending = 您已有一份待审核的监督员申请，请等待审核结果，或撤回后重新申请。
error-already-supervisor = 您已是在任的政务公开监督员。
error-withdraw-applicant-only = 仅申请人本人可以撤回申请。
error-withdraw-pending-only = 仅待审核的申请可以撤回。
error-application-reviewed-meanwhile = 该申请已审核完毕，请刷新后查看。
# 参数：$status 申请的状态。
error-application-not-pending = 该申请{ $status ->
        [APPROVED] 已获批准
        [REJECTED] 未获通过
        [WITHDRAWN] 已撤回
       *[PENDING] 待审核
    }，不能再审核。
error-application-changed = 该申请已有更新，请刷新后重试。
error-applicant-already-supervisor = 申请人已是在任的政务公开监督员。
error-appointment-revoked = 该聘任已终止。
error-appointment-ended = 该聘任已届满。
error-own-comments-only = 仅意见提出人本人可以查看其意见列表。
error-own-notifications-only = 仅本人可以查看自己的通知。
error-own-notification-settings-only = 仅账户本人可以查看其通知设置。
error-own-notification-count-only = 仅本人可以查看自己的通知数量。
error-own-applications-only = 仅申请人本人可以查看其监督员申请。
error-too-many-subscriptions = 每个连接最多同时订阅 { $max } 项。

not-found-consultation = 未找到该征求意见稿。
not-found-notification = 未找到该通知。
not-found-comment = 未找到该意见。
not-found-duplicate-group = 未找到该重复意见组。
not-found-bulk-reply = 未找到该批量答复任务。
not-found-observation = 未找到该监督意见。
not-found-account = 未找到该账户。
not-found-application = 未找到该申请。
not-found-supervisor = 未找到该监督员。
not-found-applicant = 未找到申请人。
not-found-department = 未找到该部门。
not-found-author = 未找到提出人。
not-found-lead-department = 未找到牵头部门。
not-found-file = 未找到该文件。

# Requests refused before they run.
error-response-encoding = 无法生成响应，请稍后重试。
error-bad-query-string = 查询参数不是有效的 GraphQL 请求。
error-body-too-large = 请求内容超过 1 MiB。
error-body-unreadable = 无法读取请求内容。
error-body-not-graphql = 请求内容不是 JSON 格式的 GraphQL 请求。
error-mutation-over-get = 变更操作（mutation）须通过 POST 提交。
error-content-encoding = 请求内容不得使用 Content-Encoding 压缩。
error-too-many-connections = 打开的连接过多，请关闭部分连接后重试。
error-export-link-expired = 该导出链接已过期，请重新申请导出。
error-export-link-invalid = 该导出链接无效。
query-invalid-at = 查询不是有效的 GraphQL（第 { $line } 行第 { $column } 列）。
query-invalid = 查询不是有效的 GraphQL。
query-too-deep = 查询嵌套层级过深。
query-schema-once = 每个请求只能读取一次架构（`__schema`）。
query-nesting = 查询中的括号嵌套超过 { $max } 层。
query-sign-in-once = 每个请求只能登录或修改密码一次。

## Field messages (`extensions.fields[].message`), said of the field they are reported for.

field-required = 必须填写
field-not-empty = 不能为空
field-at-least-chars = 不能少于 { $min } 个字符
field-at-most-chars = 不能超过 { $max } 个字符
field-search-no-words = 至少要有一个词（汉字、字母或数字）
field-no-control-chars = 不能包含控制字符
field-no-direction-chars = 不能包含文字方向控制字符
field-no-invisible-chars = 不能包含不可见字符
field-valid-email = 须为有效的邮箱地址
field-phone = 须为 5 至 20 位数字的电话号码
field-between = 须在 { $min } 至 { $max } 之间
field-positive = 须为正数
field-invalid-id = 不是有效的 ID
field-bad-cursor = 不是此列表的分页游标
field-at-most-ids = 最多 { $max } 个 ID
field-ids-or-all = 请提供要标记的 ID，或设置 all: true
field-kind-repeated = 同一通知类型出现了多次
field-no-such-department = 不是已有的部门
field-no-such-consultation = 不是已有的征求意见稿
field-consultation-not-of-department = 不是该部门牵头或协办的征求意见稿
field-incorrect = 不正确
field-cannot-suspend-self = 不能停用自己的账户
field-to-after-from = 须晚于起始日期（from）
field-reason-required = 不予公开或隐藏意见时必须填写理由
field-cannot-report-own-comment = 不能举报自己的意见
field-not-a-section = 不是该征求意见稿的章节
field-ids-between = 须列出 { $min } 至 { $max } 个编号
field-ids-or-filter = 须提供 commentIds 或 filter 之一，不能同时提供或都不提供
field-not-comments-of-consultation = 须全部为该征求意见稿的意见
field-not-a-similar-group = 不是该征求意见稿的相似意见组
field-not-a-duplicate-group = 不是该征求意见稿的重复意见组
field-client-request-id = 不能超过 { $max } 个可打印字符
field-code-wrong-or-expired = 验证码不正确或已过期，请重新获取
field-code-six-digits = 须为邮件中的 6 位数字验证码
field-not-an-email = 不是有效的邮箱地址
field-token-invalid-or-expired = 链接无效或已过期，请重新申请
field-term-out-of-range = 任期届满日期超出允许范围
field-note-required = 不予通过时必须填写审核意见
field-at-most-sections = 最多 { $max } 个章节
field-at-most-departments = 最多 { $max } 个部门
field-cooperating-not-lead = 不能包含牵头部门
field-includes-no-such-department = 包含不存在的部门
field-opens-and-closes-required = 须同时填写开始时间（opensAt）和截止时间（closesAt）
field-closes-after-opens = 须晚于开始时间（opensAt）
field-closes-at-future-to-publish = 发布时截止时间须晚于当前时间
field-closes-at-future = 须晚于当前时间；如需提前结束征集，请使用 closeConsultation
field-draft-only = 仅草稿状态下可以修改
field-before-opening-only = 仅在征集开始前可以修改
field-extend-while-open = 仅在征集期间可以延长
field-already-cooperating = 已是协办部门
field-department-code = 须为 2 至 32 位字母、数字、`-` 或 `_`
field-role-not-citizen = 公众用户须自行注册；请选择 STAFF、ADMIN 或 EVALUATOR
field-department-required-for-staff = STAFF 账户必须指定所属部门
field-department-empty-for-role = ADMIN 和 EVALUATOR 账户不能指定部门
field-locale = 须为 zh-CN 或 en

## Webhooks
field-webhook-url = 须为完整的 http 或 https 地址
field-webhook-url-length = 须为不超过 { $max } 个字符的 http 或 https 地址
field-webhook-url-credentials = 不得包含用户名或密码；推送以签名验证
field-webhook-kinds = 须至少选择一种通知类型
not-found-webhook = 未找到该推送地址。
not-found-webhook-delivery = 未找到该推送记录。
action-see-webhooks = 查看推送地址
action-register-webhooks = 登记推送地址
action-change-webhooks = 修改推送地址
action-delete-webhooks = 删除推送地址
action-redeliver-webhook-deliveries = 重新推送
error-too-many-webhooks = 最多可登记 { $max } 个推送地址，请先删除一个。
error-delivery-still-pending = 该推送仍在自动重试中，无需手动重新推送。
error-delivery-changed = 该推送记录已发生变化，请刷新后重试。

## The holiday calendar
action-read-calendar = 查看节假日日历
action-set-calendar = 修改节假日日历
field-year-range = 须为 1970 至 9999 之间的年份
field-at-most-entries = 最多列出 { $max } 项
field-date-in-year = 须在 { $year } 年内
field-holiday-reversed = 不得早于放假首日
field-holiday-overlap = 与本年另一节假日重叠
field-workday-weekend = 须为周六或周日：其他日子本就是工作日
field-workday-holiday = 同时被列为节假日
field-listed-twice = 重复列出

## The consultation period
field-short-period-reason = 征求意见期少于 { $days } 日，须说明理由

## Persisted queries
field-persisted-version = 须为 1（本服务支持的协议版本）
field-persisted-hash-mismatch = 与随附查询文本的 SHA-256 不符

## Stored moderation reasons
moderation-hidden-after-reports = 因被多次举报已自动隐藏。

## Account administration
action-list-accounts = 查看账户列表
action-reinstate-accounts = 恢复账户
action-update-accounts = 修改账户
error-account-not-suspended = 该账户未被停用。
field-cannot-change-own-role = 管理员不能修改自己的角色

## Reply templates
error-templates-staff-only = 只有本部门工作人员可以管理本部门的答复模板。
not-found-reply-template = 未找到该答复模板。
error-too-many-templates = 每个部门最多保存 { $max } 个答复模板，请先删除一个。

## The moderation overview
error-overview-department-only = 只有本部门工作人员和管理员可以查看本部门的审核概览。

## 依申请公开
notification-DISCLOSURE_RECEIVED-title = 政府信息公开申请 { $trackingNumber } 已收到
notification-DISCLOSURE_RECEIVED-body = { $department }已收到您的申请 { $trackingNumber }，答复期限为 { $dueAt }。
notification-DISCLOSURE_CORRECTION_REQUESTED-title = 请补正政府信息公开申请 { $trackingNumber }
notification-DISCLOSURE_CORRECTION_REQUESTED-body = 行政机关请您补正申请 { $trackingNumber }。逾期未补正的，视为放弃申请。
notification-DISCLOSURE_EXTENDED-title = 政府信息公开申请 { $trackingNumber } 已延期答复
notification-DISCLOSURE_EXTENDED-body = 申请 { $trackingNumber } 的答复期限已延长至 { $dueAt }。
notification-DISCLOSURE_FEE_NOTICE-title = 政府信息公开申请 { $trackingNumber } 收费通知
notification-DISCLOSURE_FEE_NOTICE-body = 申请 { $trackingNumber } 需缴纳信息处理费。20 个工作日内未缴纳的，视为放弃申请。
notification-DISCLOSURE_ANSWERED-title = 政府信息公开申请 { $trackingNumber } 已答复
notification-DISCLOSURE_ANSWERED-body = 行政机关已答复您的申请 { $trackingNumber }。
notification-DISCLOSURE_DUE_SOON-title = 政府信息公开申请即将到期
notification-DISCLOSURE_DUE_SOON-body = 政府信息公开申请 { $trackingNumber } 须在 { $dueAt } 前答复。
notification-DISCLOSURE_OVERDUE-title = 政府信息公开申请已逾期
notification-DISCLOSURE_OVERDUE-body = 政府信息公开申请 { $trackingNumber } 的答复期限 { $dueAt } 已过，尚未答复。
notification-kind-DISCLOSURE_RECEIVED = 政府信息公开申请已收到
notification-kind-DISCLOSURE_CORRECTION_REQUESTED = 政府信息公开申请补正通知
notification-kind-DISCLOSURE_EXTENDED = 政府信息公开申请延期答复
notification-kind-DISCLOSURE_FEE_NOTICE = 政府信息公开收费通知
notification-kind-DISCLOSURE_ANSWERED = 政府信息公开申请已答复
notification-kind-DISCLOSURE_DUE_SOON = 政府信息公开申请即将到期
notification-kind-DISCLOSURE_OVERDUE = 政府信息公开申请已逾期
action-submit-disclosure = 提出政府信息公开申请
action-read-disclosure-report = 查看政府信息公开工作年度报告
not-found-disclosure-request = 未找到该政府信息公开申请。
error-disclosure-department-only = 只有申请所向部门的工作人员和管理员可以进行此操作。
error-disclosure-applicant-only = 只有申请人本人可以进行此操作。
error-own-disclosure-requests-only = 只能列出您本人的政府信息公开申请。
error-disclosure-closed = 该申请已办结（已答复、已撤回或视为放弃）。
error-disclosure-waiting = 该申请正在等待补正、第三方意见或缴费，答复期限暂停计算。
error-disclosure-correction-lapsed = 补正期限已过，该申请视为放弃。
error-disclosure-no-correction-pending = 该申请没有待补正事项。
error-disclosure-correction-once = 该申请已发出过补正通知，依法只能一次性告知。
error-disclosure-correction-late = 补正通知应当在收到申请之日起 { $days } 个工作日内发出。
error-disclosure-extended-once = 该申请已延期一次，依法只能延期一次。
error-disclosure-extend-after-deadline = 答复期限已过，延期应当在期限届满前决定。
error-disclosure-no-third-party = 该申请没有正在进行的第三方意见征询。
error-disclosure-fee-once = 该申请已发出过收费通知。
error-disclosure-fee-lapsed = 逾期未缴费，该申请视为放弃。
error-disclosure-no-fee-pending = 该申请没有待缴的费用。
error-disclosure-appeal-unanswered = 只有已答复或已办结的申请才能记录复议或诉讼。
error-disclosure-report-own-department = 工作人员只能查看本部门的年度报告。
field-postal-code = 须为 6 位数字的邮政编码
field-organization-code-organisations-only = 仅适用于法人或其他组织
field-credit-code = 须为有效的统一社会信用代码（18 位）
field-resident-id = 须为有效的居民身份证号码（18 位）
field-id-document = 须为 5 至 30 位字母、数字或连字符
field-channel-not-online = 须为纸质等其他渠道（不能是 ONLINE）
field-date-not-future = 不能晚于今天
field-date-within-year = 须在最近一年之内
field-disclosure-reason-required = 此办理结果须注明理由
field-disclosure-reason-none = 此办理结果不应注明理由
field-disclosure-reason-other-outcome = 不属于此办理结果的理由
field-disclosure-reason-by-clock = 由系统在申请视为放弃时自动记录，不能手工选择
field-disclosure-referral-not-held = 仅适用于本机关不掌握的信息（UNABLE_TO_PROVIDE、NOT_HELD）
field-fee-free = 此数量不收费，无需发出收费通知
field-appeal-pending-undecided = 尚未审结时应为空
field-appeal-decided-before-filed = 不能早于申请或起诉日期
report-row-NEW = 一、本年新收政府信息公开申请数量
report-row-CARRIED_OVER = 二、上年结转政府信息公开申请数量
report-row-DISCLOSED = 三、本年度办理结果（一）予以公开
report-row-PARTIALLY_DISCLOSED = 三、本年度办理结果（二）部分公开（区分处理的，只计这一情形，不计其他情形）
report-row-WITHHELD_STATE_SECRET = 三、本年度办理结果（三）不予公开 1.属于国家秘密
report-row-WITHHELD_PROHIBITED_BY_LAW = 三、本年度办理结果（三）不予公开 2.其他法律行政法规禁止公开
report-row-WITHHELD_ENDANGERS_SECURITY = 三、本年度办理结果（三）不予公开 3.危及“三安全一稳定”
report-row-WITHHELD_THIRD_PARTY_RIGHTS = 三、本年度办理结果（三）不予公开 4.保护第三方合法权益
report-row-WITHHELD_INTERNAL_AFFAIRS = 三、本年度办理结果（三）不予公开 5.属于三类内部事务信息
report-row-WITHHELD_PROCESS_INFORMATION = 三、本年度办理结果（三）不予公开 6.属于四类过程性信息
report-row-WITHHELD_ENFORCEMENT_CASE_FILE = 三、本年度办理结果（三）不予公开 7.属于行政执法案卷
report-row-WITHHELD_ADMINISTRATIVE_INQUIRY = 三、本年度办理结果（三）不予公开 8.属于行政查询事项
report-row-UNABLE_NOT_HELD = 三、本年度办理结果（四）无法提供 1.本机关不掌握相关政府信息
report-row-UNABLE_NEEDS_CREATION = 三、本年度办理结果（四）无法提供 2.没有现成信息需要另行制作
report-row-UNABLE_UNCLEAR_AFTER_CORRECTION = 三、本年度办理结果（四）无法提供 3.补正后申请内容仍不明确
report-row-NOT_PROCESSED_PETITION_OR_COMPLAINT = 三、本年度办理结果（五）不予处理 1.信访举报投诉类申请
report-row-NOT_PROCESSED_REPEATED_REQUEST = 三、本年度办理结果（五）不予处理 2.重复申请
report-row-NOT_PROCESSED_PUBLICATION = 三、本年度办理结果（五）不予处理 3.要求提供公开出版物
report-row-NOT_PROCESSED_EXCESSIVE_REQUESTS = 三、本年度办理结果（五）不予处理 4.无正当理由大量反复申请
report-row-NOT_PROCESSED_CONFIRMATION_REQUEST = 三、本年度办理结果（五）不予处理 5.要求行政机关确认或重新出具已获取信息
report-row-OTHER_NOT_CORRECTED_IN_TIME = 三、本年度办理结果（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请
report-row-OTHER_FEE_NOT_PAID = 三、本年度办理结果（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请
report-row-OTHER_OTHER_REASON = 三、本年度办理结果（六）其他处理 3.其他
report-row-HANDLED_TOTAL = 三、本年度办理结果（七）总计
report-row-CARRIED_FORWARD = 四、结转下年度继续办理
