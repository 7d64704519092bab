"""Chat app schema: users, channels, memberships, messages and reference documents."""

from convex_test import define_schema, define_table, v

schema = define_schema(
    {
        "users": define_table(
            {
                "name": v.string(),
                "tokenIdentifier": v.string(),
                "isAdmin": v.optional(v.boolean()),
                "avatarId": v.optional(v.id("_storage")),
            }
        ).index("by_token", ["tokenIdentifier"]),
        "channels": define_table(
            {"name": v.string(), "topic": v.optional(v.string()), "ownerId": v.id("users")}
        ).index("by_name", ["name"]),
        "memberships": define_table({"channelId": v.id("channels"), "userId": v.id("users")})
        .index("by_channel_user", ["channelId", "userId"])
        .index("by_user", ["userId"]),
        "messages": define_table(
            {
                "channelId": v.id("channels"),
                "authorId": v.id("users"),
                "body": v.string(),
                "editedAt": v.optional(v.float64()),
                "likes": v.int64(),
            }
        )
        .index("by_channel", ["channelId"])
        .search_index("search_body", search_field="body", filter_fields=["channelId"]),
        # Reference documents of a channel with their embeddings (search.py's RAG action).
        "documents": define_table(
            {
                "channelId": v.id("channels"),
                "text": v.string(),
                "embedding": v.array(v.float64()),
            }
        ).vector_index(
            "by_embedding", vector_field="embedding", dimensions=8, filter_fields=["channelId"]
        ),
    }
)
