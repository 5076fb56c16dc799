"""Comments on tasks: whoever may see a task reads them; editors and owners write them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.vocabulary import Role
from functions.core.clock import utcnow
from functions.core.database import reading, transaction
from functions.core.errors import Forbidden, NotFound
from functions.core.models.tasks import (
    CommentCreate,
    CommentListQuery,
    CommentPublic,
    CommentsPublic,
    CommentUpdate,
    TaskPublic,
)
from functions.core.pagination import ListOrder, fetch_page
from functions.core.runtime import Runtime
from functions.core.services import task_events, watchers
from functions.core.services.access import role_in
from functions.core.services.mentions import newly_mentioned
from functions.core.services.task_reads import get_task_in, visible_task_project
from functions.core.tables import comments, tasks, users

# Comments are writes to a shared task, so they take the same role as changing it; viewers read.
COMMENTING_ROLE: Final[Role] = "editor"
NO_SUCH_COMMENT: Final = "no such comment"
OLDEST_FIRST: Final = ListOrder[CommentPublic](
    "created",
    (comments.c.created_at, comments.c.id),
    (datetime, uuid.UUID),
    lambda c: (c.created_at, c.id),
)


def _comment_select() -> Select[Any]:
    return select(
        comments.c.id,
        comments.c.task_id,
        comments.c.author_id,
        users.c.display_name.label("author_name"),
        comments.c.body,
        comments.c.created_at,
        comments.c.updated_at,
        comments.c.edited_at,
    ).select_from(comments.outerjoin(users, users.c.id == comments.c.author_id))


async def add_comment(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, data: CommentCreate
) -> CommentPublic:
    """A new comment by the user, who must be an editor or owner of the task's project."""
    async with transaction(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id, COMMENTING_ROLE)
        task = await get_task_in(conn, user_id, task_id)
        comment, mentioned = await insert_comment(conn, user_id, task, data.body)
        await task_events.comment_added(conn, user_id, task, comment, mentioned)
    return comment


async def insert_comment(
    conn: AsyncConnection,
    user_id: uuid.UUID,
    task: TaskPublic,
    body: str,
    *,
    created_at: datetime | None = None,
) -> tuple[CommentPublic, list[uuid.UUID]]:
    """The comment's row and the watchers it makes, without its event (an import writes
    many at once; it may date them as the file does); with the members it mentions."""
    comment_id = uuid.uuid4()
    now = created_at or utcnow()
    await conn.execute(
        insert(comments).values(
            id=comment_id,
            task_id=task.id,
            author_id=user_id,
            body=body,
            created_at=now,
            updated_at=now,
        )
    )
    row = (await conn.execute(_comment_select().where(comments.c.id == comment_id))).one()
    comment = CommentPublic.model_validate(row)
    # The author follows the task from now on (unless they chose not to), and so does
    # everyone the comment mentions.
    await watchers.add_watchers(conn, task.id, [user_id], "comment")
    mentioned = await newly_mentioned(conn, task.project_id, comment.body, author_id=user_id)
    await watchers.add_watchers(conn, task.id, mentioned, "mention")
    return comment, mentioned


async def update_comment(
    rt: Runtime,
    user_id: uuid.UUID,
    task_id: uuid.UUID,
    comment_id: uuid.UUID,
    data: CommentUpdate,
) -> CommentPublic:
    """Its author (while still a member who may comment) changes a comment's text; people it
    now mentions who it did not before are told."""
    async with transaction(rt.engine) as conn:
        found = (
            await conn.execute(
                select(comments.c.author_id, comments.c.body, tasks.c.project_id)
                .join(tasks, tasks.c.id == comments.c.task_id)
                .where(comments.c.id == comment_id, comments.c.task_id == task_id)
                .with_for_update(of=comments)
            )
        ).first()
        role = None if found is None else await role_in(conn, found.project_id, user_id)
        if found is None or role is None:
            raise NotFound(NO_SUCH_COMMENT)
        if found.author_id != user_id:
            raise Forbidden("only the comment's author may edit it")
        await visible_task_project(conn, user_id, task_id, COMMENTING_ROLE)
        if data.body == found.body:
            row = (await conn.execute(_comment_select().where(comments.c.id == comment_id))).one()
            return CommentPublic.model_validate(row)
        now = utcnow()
        await conn.execute(
            update(comments)
            .where(comments.c.id == comment_id)
            .values(body=data.body, updated_at=now, edited_at=now)
        )
        row = (await conn.execute(_comment_select().where(comments.c.id == comment_id))).one()
        comment = CommentPublic.model_validate(row)
        task = await get_task_in(conn, user_id, task_id)
        mentioned = await newly_mentioned(
            conn, task.project_id, comment.body, before=found.body, author_id=user_id
        )
        await watchers.add_watchers(conn, task_id, mentioned, "mention")
        await task_events.comment_updated(conn, user_id, task, comment, mentioned)
    return comment


async def list_comments(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, query: CommentListQuery
) -> CommentsPublic:
    """A task's comments, oldest first, one page at a time."""
    async with reading(rt.engine) as conn:
        await visible_task_project(conn, user_id, task_id)
        items, next_cursor = await fetch_page(
            conn,
            _comment_select().where(comments.c.task_id == task_id),
            OLDEST_FIRST,
            CommentPublic,
            cursor=query.cursor,
            limit=query.limit,
        )
    return CommentsPublic(items=items, next_cursor=next_cursor)


async def delete_comment(
    rt: Runtime, user_id: uuid.UUID, task_id: uuid.UUID, comment_id: uuid.UUID
) -> None:
    """Its author (while still a member) or an owner of the project may delete a comment."""
    async with transaction(rt.engine) as conn:
        found = (
            await conn.execute(
                select(comments.c.author_id, tasks.c.project_id)
                .join(tasks, tasks.c.id == comments.c.task_id)
                .where(comments.c.id == comment_id, comments.c.task_id == task_id)
            )
        ).first()
        role = None if found is None else await role_in(conn, found.project_id, user_id)
        if found is None or role is None:
            raise NotFound(NO_SUCH_COMMENT)
        if found.author_id != user_id and role != "owner":
            raise Forbidden("only the comment's author or a project owner may delete it")
        await conn.execute(delete(comments).where(comments.c.id == comment_id))
        task = await get_task_in(conn, user_id, task_id)
        await task_events.comment_deleted(conn, user_id, task, comment_id, found.author_id)
