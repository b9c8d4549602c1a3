"""metrics: targets, goals and their milestones, caseload norms, closed months

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('metric_targets',
    sa.Column('team_id', sa.String(length=128), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'metric', 'month')
    )
    op.create_table('metric_goals',
    sa.Column('team_id', sa.String(length=128), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('by_month', sa.String(length=7), nullable=False),
    sa.Column('planned_in', sa.String(length=7), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'metric')
    )
    op.create_table('goal_milestones',
    sa.Column('team_id', sa.String(length=128), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'metric', 'month')
    )
    op.create_table('caseload_norms',
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('low', sa.Integer(), nullable=True),
    sa.Column('high', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('role')
    )
    op.create_table('month_closings',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('scope', sa.String(length=128), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.String(length=128), nullable=True),
    sa.Column('as_of_seq', sa.BigInteger(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'scope')
    )


def downgrade() -> None:
    op.drop_table('month_closings')
    op.drop_table('caseload_norms')
    op.drop_table('goal_milestones')
    op.drop_table('metric_goals')
    op.drop_table('metric_targets')
