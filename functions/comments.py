"""Comment functions: list, add, edit and delete the comments on a task."""

from __future__ import annotations

from functions.core.models.tasks import (
    CommentCreate,
    CommentListQuery,
    CommentPublic,
    CommentsPublic,
    CommentUpdate,
)
from functions.core.services import comments
from functions.edge import Call, endpoint


@endpoint(query=CommentListQuery, response=CommentsPublic)
async def list_comments(call: Call[None, CommentListQuery]) -> CommentsPublic:
    """A task's comments, oldest first."""
    return await comments.list_comments(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.query
    )


@endpoint(body=CommentCreate, response=CommentPublic, status=201)
async def add_comment(call: Call[CommentCreate, None]) -> CommentPublic:
    """Comment on a task (editors and owners; viewers only read)."""
    return await comments.add_comment(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.body
    )


@endpoint(body=CommentUpdate, response=CommentPublic)
async def update_comment(call: Call[CommentUpdate, None]) -> CommentPublic:
    """Edit a comment: its author only; it is marked edited."""
    return await comments.update_comment(
        call.rt,
        call.user.user_id,
        call.path_uuid("task_id"),
        call.path_uuid("comment_id"),
        call.body,
    )


@endpoint(status=204)
async def delete_comment(call: Call[None, None]) -> None:
    """Delete a comment: its author or a project owner may."""
    await comments.delete_comment(
        call.rt, call.user.user_id, call.path_uuid("task_id"), call.path_uuid("comment_id")
    )
