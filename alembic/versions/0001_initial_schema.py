"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 06:42:17.155792

Presets, decks, sources, cards and the review log.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import srs.store.models


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('presets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('desired_retention', sa.Float(), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('learning_steps', sa.JSON(), nullable=False),
    sa.Column('relearning_steps', sa.JSON(), nullable=False),
    sa.Column('maximum_interval', sa.Integer(), nullable=False),
    sa.Column('new_per_day', sa.Integer(), nullable=False),
    sa.Column('reviews_per_day', sa.Integer(), nullable=False),
    sa.Column('day_start_hour', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('enable_fuzz', sa.Boolean(), nullable=False),
    sa.Column('bury_siblings', sa.Boolean(), nullable=False),
    sa.Column('leech_threshold', sa.Integer(), nullable=False),
    sa.Column('updated_at', srs.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_presets')),
    sa.UniqueConstraint('name', name=op.f('uq_presets_name'))
    )
    op.create_table('decks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('preset_id', sa.Integer(), nullable=False),
    sa.Column('created_at', srs.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['preset_id'], ['presets.id'], name=op.f('fk_decks_preset_id_presets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decks')),
    sa.UniqueConstraint('name', name=op.f('uq_decks_name'))
    )
    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decks_preset_id'), ['preset_id'], unique=False)

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mtime_ns', sa.BigInteger(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('imported_at', srs.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('path', name=op.f('uq_sources_path'))
    )
    op.create_table('cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('note_key', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('deck_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('source_path', sa.Text(), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('heading_path', sa.Text(), nullable=False),
    sa.Column('front', sa.Text(), nullable=False),
    sa.Column('back', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('state', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('stability', sa.Float(), nullable=True),
    sa.Column('difficulty', sa.Float(), nullable=True),
    sa.Column('due', srs.store.models.UTCDateTime(), nullable=True),
    sa.Column('last_review', srs.store.models.UTCDateTime(), nullable=True),
    sa.Column('reps', sa.Integer(), nullable=False),
    sa.Column('lapses', sa.Integer(), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.Column('buried_until', srs.store.models.UTCDateTime(), nullable=True),
    sa.Column('retired_at', srs.store.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', srs.store.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', srs.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['deck_id'], ['decks.id'], name=op.f('fk_cards_deck_id_decks')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_cards_source_id_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cards')),
    sa.UniqueConstraint('key', name=op.f('uq_cards_key'))
    )
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cards_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_cards_deck_id'), ['deck_id'], unique=False)
        batch_op.create_index('ix_cards_deck_state_due', ['deck_id', 'state', 'due'], unique=False)
        batch_op.create_index(batch_op.f('ix_cards_external_id'), ['external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cards_note_key'), ['note_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_cards_source_id'), ['source_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', srs.store.models.UTCDateTime(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('state_before', sa.Integer(), nullable=False),
    sa.Column('state', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=True),
    sa.Column('stability', sa.Float(), nullable=True),
    sa.Column('difficulty', sa.Float(), nullable=True),
    sa.Column('due', srs.store.models.UTCDateTime(), nullable=False),
    sa.Column('elapsed_days', sa.Float(), nullable=True),
    sa.Column('last_interval_days', sa.Float(), nullable=True),
    sa.Column('scheduled_days', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_reviews_card_id_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_card_time', ['card_id', 'reviewed_at'], unique=False)
        batch_op.create_index('ix_reviews_time', ['reviewed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_reviews_time')
        batch_op.drop_index('ix_reviews_card_time')

    op.drop_table('reviews')
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cards_source_id'))
        batch_op.drop_index(batch_op.f('ix_cards_note_key'))
        batch_op.drop_index(batch_op.f('ix_cards_external_id'))
        batch_op.drop_index('ix_cards_deck_state_due')
        batch_op.drop_index(batch_op.f('ix_cards_deck_id'))
        batch_op.drop_index(batch_op.f('ix_cards_content_hash'))

    op.drop_table('cards')
    op.drop_table('sources')
    with op.batch_alter_table('decks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decks_preset_id'))

    op.drop_table('decks')
    op.drop_table('presets')
