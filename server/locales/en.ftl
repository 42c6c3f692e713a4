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
notification-DAILY_DIGEST-title = Your work waiting on { $date }
notification-DAILY_DIGEST-body = Waiting for your department: unreplied comments on consultations closing within 3 days: { $comments }; observations due within 3 working days: { $dueSoon }; overdue observations: { $overdue }.

## Email and the unsubscribe page

email-signature = The openness platform (sent automatically; please do not reply to this email)
email-unsubscribe = Stop emails like this
email-open = Open the platform
email-verify-subject = Your email verification code
email-verify-body = Your code is { $code }. It is valid for 30 minutes. If you did not ask for it, ignore this email.
email-reset-subject = Reset your password
email-reset-body = We received a request to reset the password of your account. Follow the link below within 30 minutes to set a new one; it works once. If you did not ask for this, ignore this email and your password stays as it is.
email-reset-action = Set a new password

unsubscribe-title = Unsubscribe from emails
unsubscribe-ask = Once you confirm, you will no longer receive “{ $kind }” notifications by email. Your in-app notifications stay on, and you can turn email back on in your settings at any time.
unsubscribe-button = Unsubscribe
unsubscribe-done-title = Unsubscribed
unsubscribe-done = You will no longer receive “{ $kind }” notifications by email.
unsubscribe-invalid-title = This link is not valid
unsubscribe-invalid = This unsubscribe link is not valid or is incomplete. Use the whole link from the email.
unsubscribe-failed = We could not unsubscribe you just now. Please try again shortly.

notification-kind-COMMENT_REPLIED = Replies to your comments
notification-kind-COMMENT_MODERATED = Moderation of your comments
notification-kind-CONSULTATION_CONCLUDED = Outcomes of consultations
notification-kind-APPLICATION_REVIEWED = Decisions on supervisor applications
notification-kind-APPOINTMENT_REVOKED = Supervisor appointments ended
notification-kind-OBSERVATION_FILED = New observations
notification-kind-OBSERVATION_FOLLOWED_UP = Observation follow-ups
notification-kind-OBSERVATION_ANSWERED = Answers to observations
notification-kind-APPOINTMENT_ENDING = Supervisor terms ending
notification-kind-OBSERVATION_DUE_SOON = Observations due soon
notification-kind-OBSERVATION_OVERDUE = Overdue observations
notification-kind-DAILY_DIGEST = Daily digest of work waiting
