# Notifications (inbox and email alike). Arguments: $consultation the draft's title, $title the
# observation's title, $reason a reason, $note a reviewer's note.

adoption = { $adoption ->
    [ADOPTED] adopted
    [PARTIALLY_ADOPTED] partially adopted
    [NOT_ADOPTED] not adopted
   *[EXPLAINED] explained
}

notification-COMMENT_REPLIED-title = Your comment has a reply
notification-COMMENT_REPLIED-body = The department replied to your comment on “{ $consultation }”. Verdict: { adoption }.

notification-COMMENT_MODERATED-title = { $decision ->
    [PUBLISHED] Your comment is published
    [REJECTED] Your comment was not published
   *[HIDDEN] Your comment was hidden
}
notification-COMMENT_MODERATED-body = { $decision ->
    [PUBLISHED] Your comment on “{ $consultation }” was reviewed and is now public.
    [REJECTED] Your comment on “{ $consultation }” was reviewed and will not be published. Reason: { $reason }
   *[HIDDEN] Your comment on “{ $consultation }” was hidden. Reason: { $reason }
}

notification-CONSULTATION_CONCLUDED-title = The outcome of a consultation is published
notification-CONSULTATION_CONCLUDED-body = “{ $consultation }”, on which you commented, has published how the comments were taken up.

notification-APPLICATION_REVIEWED-title = { $decision ->
    [APPROVED] You are appointed an openness supervisor
   *[REJECTED] Your supervisor application was not approved
}
notification-APPLICATION_REVIEWED-body = { $decision ->
    [APPROVED] Your application to be an openness supervisor was approved; your term runs until { $termEnd }.
   *[REJECTED] Your application to be an openness supervisor was not approved. Note: { $note }
}

notification-APPOINTMENT_REVOKED-title = Your supervisor appointment has ended
notification-APPOINTMENT_REVOKED-body = Your appointment as an openness supervisor was ended early. Reason: { $reason }

notification-OBSERVATION_FILED-title = A new observation
notification-OBSERVATION_FILED-body = A supervisor filed an observation, “{ $title }”. Please answer by { $dueAt }.

notification-OBSERVATION_FOLLOWED_UP-title = An observation was followed up
notification-OBSERVATION_FOLLOWED_UP-body = A supervisor followed up “{ $title }”. Please answer by { $dueAt }.

notification-OBSERVATION_ANSWERED-title = Your observation has an answer
notification-OBSERVATION_ANSWERED-body = The department answered your observation “{ $title }”.

notification-APPOINTMENT_ENDING-title = Your supervisor term is ending
notification-APPOINTMENT_ENDING-body = Your term as an openness supervisor ends on { $termEnd }.

notification-OBSERVATION_DUE_SOON-title = An observation is due soon
notification-OBSERVATION_DUE_SOON-body = The observation “{ $title }” must be answered by { $dueAt }.

notification-OBSERVATION_OVERDUE-title = An observation is overdue
notification-OBSERVATION_OVERDUE-body = The observation “{ $title }” was due by { $dueAt } and has no answer.
