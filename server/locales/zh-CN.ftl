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
notification-DAILY_DIGEST-body = 本部门待办：3 天内截止的征求意见中未答复的意见 { $comments } 条；3 个工作日内到期的监督意见 { $dueSoon } 条；已逾期的监督意见 { $overdue } 条。

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
