//! The main flow end to end: publish, comment, reply, conclude.

use gongkai_tests::{no_limits, spawn_with};
use serde_json::json;

#[tokio::test]
async fn the_core_loop_works_end_to_end() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let (citizen, _) = app.citizen("张三").await;
    let comment = app.comment(&citizen, &w.consultation, "建议增加公开渠道。").await;
    let detail = app
        .ok(None, "query($id: ID!) { consultation(id: $id) { status commentCount stanceCounts { support } } }", json!({ "id": w.consultation }))
        .await;
    assert_eq!(detail["consultation"]["status"], "OPEN");
    assert_eq!(detail["consultation"]["commentCount"], 1);
    assert_eq!(detail["consultation"]["stanceCounts"]["support"], 1);
    let reply = app
        .ok(
            Some(&w.staff),
            "mutation($input: ReplyToCommentInput!) { replyToComment(input: $input) { id adoption } }",
            json!({ "input": { "commentId": comment, "body": "已采纳。", "adoption": "ADOPTED" } }),
        )
        .await;
    assert_eq!(reply["replyToComment"]["adoption"], "ADOPTED");
    app.ok(Some(&w.staff), "mutation($id: ID!) { closeConsultation(id: $id) { status } }", json!({ "id": w.consultation })).await;
    let concluded = app
        .ok(
            Some(&w.staff),
            "mutation($id: ID!) { concludeConsultation(id: $id, input: { summary: \"感谢参与\" }) { status outcome { totalComments repliedComments adoptedCount } } }",
            json!({ "id": w.consultation }),
        )
        .await;
    assert_eq!(concluded["concludeConsultation"]["status"], "CONCLUDED");
    assert_eq!(concluded["concludeConsultation"]["outcome"]["totalComments"], 1);
    assert_eq!(concluded["concludeConsultation"]["outcome"]["repliedComments"], 1);
    assert_eq!(concluded["concludeConsultation"]["outcome"]["adoptedCount"], 1);
}
