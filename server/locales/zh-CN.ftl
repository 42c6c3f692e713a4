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
