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
notification-DAILY_DIGEST-body = Waiting for your department: unreplied comments on consultations closing within 3 days: { $comments }; observations and disclosure requests due within 3 working days: { $dueSoon }; overdue observations and disclosure requests: { $overdue }.

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

## Errors (the `message` of a GraphQL error and of the other endpoints' JSON errors). The codes and the
## field names stay in English: they are the API's, not the reader's.

error-unauthenticated = You need to sign in to do this.
error-bad-input-field = { $field }: { $message }
error-bad-input = Some fields are not valid.
error-rate-limited = Too many attempts. Try again in { $seconds } { $seconds ->
    [one] second
   *[other] seconds
}.
error-consultation-not-open = This consultation is not open for comments.
error-unavailable = The service is temporarily unavailable. Please try again shortly.
error-internal = Something went wrong on our side. Please try again.
error-already-exists = This already exists.

# What someone may or may not do. Arguments: $what one of the action- messages below.
error-may-not = Your account may not { $what }.
error-moderators-only-to = Only staff of the lead or a cooperating department, or an admin, may { $what }.
error-supervisors-only = Only appointed openness supervisors may { $what }.
error-supervisor-revoked = Your supervisor appointment was revoked; you may no longer { $what }.
error-supervisor-out-of-term = Your supervisor appointment is not in its term; you may not { $what }.

action-create-consultations = create consultations
action-edit-consultations = edit consultations
action-manage-consultations = manage consultations
action-conclude-consultations = conclude consultations
action-export-comments = export its comments
action-read-audit-log = read the audit log
action-file-observations = file observations
action-follow-up-observations = follow up observations
action-create-departments = create departments
action-create-accounts = create accounts
action-suspend-accounts = suspend accounts
action-read-scorecards = read department scorecards
action-reply-to-comments = reply to comments
action-endorse-comments = endorse comments
action-report-comments = report comments
action-comment = comment
action-follow-new-comments = follow its new comments
action-apply-supervisor = apply to be an openness supervisor
action-review-applications = review supervisor applications
action-list-applications = list supervisor applications
action-list-supervisors = list supervisors
action-revoke-appointments = revoke supervisor appointments
action-moderate-comments = moderate comments

error-staff-own-department-only = Staff may only create consultations led by their own department.
error-consultation-final = A closed, concluded or withdrawn consultation can no longer be changed.
error-admin-only-hand-over = Only an admin may hand a consultation to another department.
error-list-department-consultations = Only the department's staff and admins may list its consultations.
error-only-draft-publishable = Only a draft can be published.
error-only-open-closable = Only an open consultation can be closed.
error-only-draft-or-upcoming-withdrawable = Only a draft or an upcoming consultation can be withdrawn.
error-only-closed-concludable = Only a closed consultation can be concluded.
error-export-account-may-not = The account that requested this export may no longer export.
error-manage-consultation = Only staff of the lead department or an admin may manage this consultation.
error-moderators-only = Only staff of the lead or a cooperating department, or an admin, may do this.
error-answer-observation = Only staff of the department or an admin may answer an observation.
error-follow-up-own-only = Only the supervisor who filed an observation may follow it up.
error-follow-up-awaits-answer = This observation still awaits the department's answer; follow it up once it is answered.
error-observation-changed = The observation changed in the meantime; reload it.
error-list-department-observations = Only the department's staff, admins and evaluators may list its observations.
error-list-supervisor-observations = Only the supervisor, admins and evaluators may list a supervisor's observations.
error-email-taken = An account with this email already exists.
error-bad-credentials = The email or password is incorrect.
error-account-suspended = This account is suspended.
error-department-code-taken = A department with this code already exists.
error-no-replies = This consultation does not take replies.
error-reply-withdrawn-or-rejected = A withdrawn or rejected comment cannot be replied to.
# Arguments: $status the comment's status, $decision the moderation decision.
error-moderation-transition = A { $status ->
        [PENDING] pending
        [PUBLISHED] published
        [HIDDEN] hidden
        [REJECTED] rejected
       *[WITHDRAWN] withdrawn
    } comment cannot be { $decision ->
        [PUBLISH] published
        [REJECT] rejected
       *[HIDE] hidden
    }.
error-endorse-published-only = Only published comments can be endorsed.
error-endorse-own = You cannot endorse your own comment.
error-already-reported = You have already reported this comment.
error-list-unpublished-comments = Only the consultation's staff may list comments that are not published.
error-list-reported-comments = Only the consultation's staff may list reported comments.
error-comment-changed = The comment was changed by someone else; reload and try again.
error-edit-withdrawn-or-rejected = A withdrawn or rejected comment cannot be edited.
error-edit-replied = A comment that has a reply can no longer be edited.
error-edit-window = Comments can only be edited within { $minutes } minutes of posting.
error-edit-author-only = Only the author may edit a comment.
error-withdraw-author-only = Only the author may withdraw a comment.
error-email-not-set-up = Email is not set up on this platform.
error-email-already-verified = This email address is already verified.
error-session-ended = Your session has ended; sign in again.
error-session-ended-feed = Your session has ended; sign in again to follow this feed.
error-application-pending = You already have a pending supervisor application; withdraw it or wait for its review.
error-already-supervisor = You are already an active openness supervisor.
error-withdraw-applicant-only = Only the applicant may withdraw an application.
error-withdraw-pending-only = Only a pending application can be withdrawn.
error-application-reviewed-meanwhile = The application was reviewed in the meantime; reload it.
# Arguments: $status the application's status.
error-application-not-pending = This application is { $status ->
        [APPROVED] approved
        [REJECTED] rejected
        [WITHDRAWN] withdrawn
       *[PENDING] pending
    } and can no longer be reviewed.
error-application-changed = The application changed in the meantime; reload it.
error-applicant-already-supervisor = The applicant is already an active openness supervisor.
error-appointment-revoked = This appointment has already been revoked.
error-appointment-ended = This appointment has already ended.
error-own-comments-only = Only the author may list their comments.
error-own-notifications-only = Only the recipient may read their notifications.
error-own-notification-settings-only = Only the account itself may read its notification settings.
error-own-notification-count-only = Only the recipient may count their notifications.
error-own-applications-only = Only the applicant may list their supervisor applications.
error-too-many-subscriptions = A connection may hold at most { $max } subscriptions.

not-found-consultation = The consultation was not found.
not-found-notification = The notification was not found.
not-found-comment = The comment was not found.
not-found-duplicate-group = The duplicate group was not found.
not-found-bulk-reply = The bulk reply job was not found.
not-found-observation = The observation was not found.
not-found-account = The account was not found.
not-found-application = The application was not found.
not-found-supervisor = The supervisor was not found.
not-found-applicant = The applicant was not found.
not-found-department = The department was not found.
not-found-author = The author was not found.
not-found-lead-department = The lead department was not found.
not-found-file = The file was not found.

# Requests refused before they run.
error-response-encoding = The response could not be encoded.
error-bad-query-string = The query string is not a GraphQL request.
error-body-too-large = The request body is larger than 1 MiB.
error-body-unreadable = The request body could not be read.
error-body-not-graphql = The request body is not a GraphQL request in JSON.
error-mutation-over-get = Mutations must be sent with POST.
error-content-encoding = Request bodies are accepted without a Content-Encoding only.
error-too-many-connections = Too many open connections; close one and try again.
error-export-link-expired = This export link has expired. Request a new export.
error-export-link-invalid = This export link is not valid.
query-invalid-at = The query is not valid GraphQL (line { $line }, column { $column }).
query-invalid = The query is not valid GraphQL.
query-too-deep = Query is nested too deep.
query-schema-once = A request may read the schema (`__schema`) only once.
query-nesting = The query nests brackets deeper than { $max } levels.
query-sign-in-once = A request may sign in or change a password only once.

## Field messages (`extensions.fields[].message`), said of the field they are reported for.

field-required = is required
field-not-empty = must not be empty
field-at-least-chars = must be at least { $min } characters
field-at-most-chars = must be at most { $max } characters
field-search-no-words = must contain at least one word (Chinese characters, letters or digits)
field-no-control-chars = must not contain control characters
field-no-direction-chars = must not contain text-direction control characters
field-no-invisible-chars = must not contain invisible characters
field-valid-email = must be a valid email address
field-phone = must be a phone number of 5 to 20 digits
field-between = must be between { $min } and { $max }
field-positive = must be positive
field-invalid-id = is not a valid id
field-bad-cursor = is not a cursor from this list
field-at-most-ids = must have at most { $max } ids
field-ids-or-all = give the ids to mark, or all: true
field-kind-repeated = names a kind more than once
field-no-such-department = does not name a department
field-no-such-consultation = does not name a consultation
field-consultation-not-of-department = is not a consultation this department leads or cooperates on
field-incorrect = is incorrect
field-cannot-suspend-self = you cannot suspend your own account
field-to-after-from = must be after from
field-reason-required = is required to reject or hide a comment
field-cannot-report-own-comment = you cannot report your own comment
field-not-a-section = is not a section of this consultation
field-ids-between = must list between { $min } and { $max } ids
field-ids-or-filter = give either commentIds or filter, not both and not neither
field-not-comments-of-consultation = must all be comments of this consultation
field-not-a-similar-group = is not a similar group of this consultation
field-not-a-duplicate-group = is not a duplicate group of this consultation
field-client-request-id = must be at most { $max } printable characters
field-code-wrong-or-expired = is not correct or has expired; ask for a new code
field-code-six-digits = must be the six digits from the email
field-not-an-email = is not an email address
field-token-invalid-or-expired = is not valid or has expired; ask for a new link
field-term-out-of-range = gives a term end out of range
field-note-required = is required to reject an application
field-at-most-sections = must have at most { $max } sections
field-at-most-departments = must have at most { $max } departments
field-cooperating-not-lead = must not include the lead department
field-includes-no-such-department = includes an id that does not name a department
field-opens-and-closes-required = opensAt and closesAt are required
field-closes-after-opens = must be later than opensAt
field-closes-at-future-to-publish = must be in the future to publish
field-closes-at-future = must be in the future; use closeConsultation to close early
field-draft-only = can only change while the consultation is a draft
field-before-opening-only = can only change before the consultation opens
field-extend-while-open = can only be extended while the consultation is open
field-already-cooperating = is already a cooperating department
field-department-code = must be 2 to 32 letters, digits, `-` or `_`
field-role-not-citizen = citizens register themselves; choose STAFF, ADMIN or EVALUATOR
field-department-required-for-staff = is required for STAFF
field-department-empty-for-role = must be empty for ADMIN and EVALUATOR
field-locale = must be zh-CN or en

## Webhooks
field-webhook-url = must be an absolute http or https address
field-webhook-url-length = must be an http or https address of at most { $max } characters
field-webhook-url-credentials = must not carry a user name or password; deliveries are signed instead
field-webhook-kinds = must name at least one kind
not-found-webhook = The webhook was not found.
not-found-webhook-delivery = The webhook delivery was not found.
action-see-webhooks = see webhooks
action-register-webhooks = register webhooks
action-change-webhooks = change webhooks
action-delete-webhooks = delete webhooks
action-redeliver-webhook-deliveries = redeliver webhook deliveries
error-too-many-webhooks = At most { $max } webhooks may be registered; delete one first.
error-delivery-still-pending = This delivery has not been given up on; it is retried by itself.
error-delivery-changed = This delivery changed in the meantime; reload it.

## The holiday calendar
action-read-calendar = read the holiday calendar
action-set-calendar = change the holiday calendar
field-year-range = must be a year between 1970 and 9999
field-at-most-entries = must list at most { $max }
field-date-in-year = must fall in { $year }
field-holiday-reversed = must not be before the first day off
field-holiday-overlap = overlaps another holiday of the year
field-workday-weekend = must be a Saturday or a Sunday: other days are working days anyway
field-workday-holiday = is also listed as a holiday
field-listed-twice = is listed twice

## The consultation period
field-short-period-reason = is required: the consultation is open for comment for less than { $days } days

## Persisted queries
field-persisted-version = must be 1, the version of the protocol this server speaks
field-persisted-hash-mismatch = is not the SHA-256 of the query sent with it

## Stored moderation reasons
moderation-hidden-after-reports = Hidden automatically after reports.

## Account administration
action-list-accounts = list accounts
action-reinstate-accounts = reinstate accounts
action-update-accounts = change accounts
error-account-not-suspended = This account is not suspended.
field-cannot-change-own-role = an admin may not change their own role

## Reply templates
error-templates-staff-only = Only the department's staff keep its reply templates.
not-found-reply-template = The reply template was not found.
error-too-many-templates = A department keeps at most { $max } reply templates; delete one first.

## The moderation overview
error-overview-department-only = Only the department's staff and admins see its moderation overview.

## Disclosure requests (依申请公开)
notification-DISCLOSURE_RECEIVED-title = Disclosure request { $trackingNumber } received
notification-DISCLOSURE_RECEIVED-body = { $department } received your request { $trackingNumber }; it must be answered by { $dueAt }.
notification-DISCLOSURE_CORRECTION_REQUESTED-title = Please correct disclosure request { $trackingNumber }
notification-DISCLOSURE_CORRECTION_REQUESTED-body = The department asks you to correct or complete request { $trackingNumber }. Without a response in time the request is closed.
notification-DISCLOSURE_EXTENDED-title = Disclosure request { $trackingNumber } extended
notification-DISCLOSURE_EXTENDED-body = The deadline of request { $trackingNumber } was extended to { $dueAt }.
notification-DISCLOSURE_FEE_NOTICE-title = A fee is due for disclosure request { $trackingNumber }
notification-DISCLOSURE_FEE_NOTICE-body = An information-processing fee is due for request { $trackingNumber }. Unpaid within 20 working days, the request is closed.
notification-DISCLOSURE_ANSWERED-title = Disclosure request { $trackingNumber } answered
notification-DISCLOSURE_ANSWERED-body = The department answered your request { $trackingNumber }.
notification-DISCLOSURE_DUE_SOON-title = A disclosure request is due soon
notification-DISCLOSURE_DUE_SOON-body = Disclosure request { $trackingNumber } must be answered by { $dueAt }.
notification-DISCLOSURE_OVERDUE-title = A disclosure request is overdue
notification-DISCLOSURE_OVERDUE-body = Disclosure request { $trackingNumber } was due by { $dueAt } and is not answered.
notification-kind-DISCLOSURE_RECEIVED = Disclosure request received
notification-kind-DISCLOSURE_CORRECTION_REQUESTED = Correction of a disclosure request asked
notification-kind-DISCLOSURE_EXTENDED = Disclosure deadline extended
notification-kind-DISCLOSURE_FEE_NOTICE = Disclosure fee notices
notification-kind-DISCLOSURE_ANSWERED = Disclosure request answered
notification-kind-DISCLOSURE_DUE_SOON = Disclosure requests due soon
notification-kind-DISCLOSURE_OVERDUE = Overdue disclosure requests
action-submit-disclosure = submit disclosure requests
action-read-disclosure-report = read the disclosure annual report
not-found-disclosure-request = The disclosure request was not found.
error-disclosure-department-only = Only the staff of the department the request is addressed to, and admins, may do this.
error-disclosure-applicant-only = Only the applicant may do this.
error-own-disclosure-requests-only = Only your own disclosure requests can be listed.
error-disclosure-closed = The request is closed: answered, withdrawn or abandoned.
error-disclosure-waiting = The request is waiting for a correction, a third party or a payment; its clock is stopped.
error-disclosure-correction-lapsed = The time to respond to the correction notice has passed; the request was abandoned.
error-disclosure-no-correction-pending = The request is not waiting for a correction.
error-disclosure-correction-once = A correction notice was already sent for this request; the law allows one.
error-disclosure-correction-late = A correction notice must be sent within { $days } working days of receipt.
error-disclosure-extended-once = The deadline was already extended once; the law allows one extension.
error-disclosure-extend-after-deadline = The deadline has passed; an extension must be decided before it.
error-disclosure-no-third-party = No third-party consultation is open on this request.
error-disclosure-fee-once = A fee notice was already issued for this request.
error-disclosure-fee-lapsed = The fee was not paid in time; the request was abandoned.
error-disclosure-no-fee-pending = The request is not waiting for a payment.
error-disclosure-appeal-unanswered = Only an answered or closed request can be appealed.
error-disclosure-report-own-department = Staff may read only their own department's report.
field-postal-code = must be a postal code of 6 digits
field-organization-code-organisations-only = is only for organisations
field-credit-code = must be a valid unified social credit code (18 characters)
field-resident-id = must be a valid resident identity card number (18 characters)
field-id-document = must be 5–30 letters, digits or hyphens
field-channel-not-online = must be how a paper or other request came (not ONLINE)
field-date-not-future = must not be in the future
field-date-within-year = must be within the last year
field-disclosure-reason-required = is required for this outcome
field-disclosure-reason-none = must be empty for this outcome
field-disclosure-reason-other-outcome = is not a reason of this outcome
field-disclosure-reason-by-clock = is recorded by the clock when a request is abandoned, not by hand
field-disclosure-referral-not-held = is only for information the department does not hold (UNABLE_TO_PROVIDE, NOT_HELD)
field-fee-free = costs nothing at this quantity: no fee is due
field-appeal-pending-undecided = must be empty while the case is pending
field-appeal-decided-before-filed = must not be before the filing date
report-row-NEW = 1. New requests received this year
report-row-CARRIED_OVER = 2. Requests carried over from last year
report-row-DISCLOSED = 3. Outcomes: (1) Disclosed
report-row-PARTIALLY_DISCLOSED = 3. Outcomes: (2) Partially disclosed (counted here only)
report-row-WITHHELD_STATE_SECRET = 3. Outcomes: (3) Withheld: 1. State secret
report-row-WITHHELD_PROHIBITED_BY_LAW = 3. Outcomes: (3) Withheld: 2. Prohibited by other laws or administrative regulations
report-row-WITHHELD_ENDANGERS_SECURITY = 3. Outcomes: (3) Withheld: 3. Would endanger national, public or economic security or social stability
report-row-WITHHELD_THIRD_PARTY_RIGHTS = 3. Outcomes: (3) Withheld: 4. Protection of a third party's lawful rights
report-row-WITHHELD_INTERNAL_AFFAIRS = 3. Outcomes: (3) Withheld: 5. Internal affairs information
report-row-WITHHELD_PROCESS_INFORMATION = 3. Outcomes: (3) Withheld: 6. Process information
report-row-WITHHELD_ENFORCEMENT_CASE_FILE = 3. Outcomes: (3) Withheld: 7. Administrative enforcement case file
report-row-WITHHELD_ADMINISTRATIVE_INQUIRY = 3. Outcomes: (3) Withheld: 8. Matter for administrative inquiry
report-row-UNABLE_NOT_HELD = 3. Outcomes: (4) Unable to provide: 1. Not held by this agency
report-row-UNABLE_NEEDS_CREATION = 3. Outcomes: (4) Unable to provide: 2. Would have to be newly created
report-row-UNABLE_UNCLEAR_AFTER_CORRECTION = 3. Outcomes: (4) Unable to provide: 3. Still unclear after correction
report-row-NOT_PROCESSED_PETITION_OR_COMPLAINT = 3. Outcomes: (5) Not processed: 1. Petition, report or complaint
report-row-NOT_PROCESSED_REPEATED_REQUEST = 3. Outcomes: (5) Not processed: 2. Repeated request
report-row-NOT_PROCESSED_PUBLICATION = 3. Outcomes: (5) Not processed: 3. Request for published materials
report-row-NOT_PROCESSED_EXCESSIVE_REQUESTS = 3. Outcomes: (5) Not processed: 4. Numerous repeated requests without good reason
report-row-NOT_PROCESSED_CONFIRMATION_REQUEST = 3. Outcomes: (5) Not processed: 5. Request to confirm or re-issue information already obtained
report-row-OTHER_NOT_CORRECTED_IN_TIME = 3. Outcomes: (6) Other: 1. Not corrected in time; no longer handled
report-row-OTHER_FEE_NOT_PAID = 3. Outcomes: (6) Other: 2. Fee not paid in time; no longer handled
report-row-OTHER_OTHER_REASON = 3. Outcomes: (6) Other: 3. Other (withdrawals included)
report-row-HANDLED_TOTAL = 3. Outcomes: (7) Total
report-row-CARRIED_FORWARD = 4. Carried over into next year
