-- Hand-written SQL: scoping rules, identifier case, aliases, CTEs, LATERAL,
-- correlated subqueries, set operations, and every untouched reason.

-- case: hand-fixture-mixed-case-alias
select e.id, E.Last_Error as err from environments e join users u on u.id = e.user_id where last_error is null
-- expect:
select e.id, NULL::text as err from environments e join users u on u.id = e.user_id where (NULL::text) is null

-- case: hand-fixture-multi-statement
-- exec: no
BEGIN; UPDATE environments SET last_error = 'boom', status = 'FAILED' WHERE id = 'env_1'; COMMIT
-- expect:
BEGIN; UPDATE environments SET status = 'FAILED' WHERE id = 'env_1'; COMMIT

-- case: hand-unqualified-single-table
select id, last_error from environments order by id
-- expect:
select id, NULL::text AS "last_error" from environments order by id

-- case: hand-unqualified-uppercase
SELECT ID, LAST_ERROR FROM ENVIRONMENTS ORDER BY ID
-- expect:
SELECT ID, NULL::text AS "last_error" FROM ENVIRONMENTS ORDER BY ID

-- case: hand-quoted-wrong-case-untouched
SELECT "id", "Last_Error" FROM environments
-- expect: untouched no-pending-reference

-- case: hand-quoted-table-wrong-case-untouched
SELECT "id", "last_error" FROM "Environments"
-- expect: untouched no-pending-reference

-- case: hand-schema-qualified-other-schema-untouched
SELECT id, last_error FROM other.environments
-- expect: untouched no-pending-reference

-- case: hand-alias-as-quoted
SELECT "t1"."id", "t1"."last_error" FROM "public"."environments" AS "t1" ORDER BY "t1"."id"
-- expect:
SELECT "t1"."id", NULL::text AS "last_error" FROM "public"."environments" AS "t1" ORDER BY "t1"."id"

-- case: hand-alias-hides-table-name
-- exec: no
SELECT environments.last_error FROM environments e
-- expect: untouched no-pending-reference

-- case: hand-join-jobs-unqualified-resolves-to-jobs
select e.id, last_error from environments e join jobs j on j.environment_id = e.id order by e.id
-- expect: untouched no-pending-reference

-- case: hand-join-jobs-qualified
select e.id, e.last_error, j.last_error as job_error from environments e join jobs j on j.environment_id = e.id order by e.id
-- expect:
select e.id, NULL::text AS "last_error", j.last_error as job_error from environments e join jobs j on j.environment_id = e.id order by e.id

-- case: hand-join-users-unqualified-with-facts
select e.id, last_error, u.email from environments e join users u on u.id = e.user_id order by e.id
-- expect:
select e.id, NULL::text AS "last_error", u.email from environments e join users u on u.id = e.user_id order by e.id

-- case: hand-join-users-unqualified-no-facts
-- facts: none
select e.id, last_error, u.email from environments e join users u on u.id = e.user_id order by e.id
-- expect: untouched ambiguous

-- case: hand-single-table-no-facts
-- facts: none
select id, last_error from environments where last_error is null order by id
-- expect:
select id, NULL::text AS "last_error" from environments where (NULL::text) is null order by id

-- case: hand-qualified-no-facts
-- facts: none
select e.id, e.last_error from environments e join users u on u.id = e.user_id order by e.id
-- expect:
select e.id, NULL::text AS "last_error" from environments e join users u on u.id = e.user_id order by e.id

-- case: hand-self-join-ambiguous
select a.id from environments a join environments b on a.user_id = b.user_id where last_error is null
-- expect: untouched ambiguous

-- case: hand-self-join-qualified
select a.id, b.last_error from environments a join environments b on a.user_id = b.user_id and a.id <> b.id order by a.id, b.id
-- expect:
select a.id, NULL::text AS "last_error" from environments a join environments b on a.user_id = b.user_id and a.id <> b.id order by a.id, b.id

-- case: hand-cte-passes-column
with recent as (select id, last_error from environments where status = 'RUNNING') select id, last_error from recent order by id
-- expect:
with recent as (select id, NULL::text AS "last_error" from environments where status = 'RUNNING') select id, last_error from recent order by id

-- case: hand-cte-alias-columns
with recent(env_id, err) as (select id, last_error from environments) select env_id, err from recent order by env_id
-- expect:
with recent(env_id, err) as (select id, NULL::text AS "last_error" from environments) select env_id, err from recent order by env_id

-- case: hand-cte-star-then-named
with e as (select * from environments) select id, last_error from e order by id
-- expect:
with e as (select * from environments) select id, NULL::text AS "last_error" from e order by id

-- case: hand-cte-shadows-table
with environments as (select 'x'::text as id, 'y'::text as last_error) select id, last_error from environments
-- expect: untouched no-pending-reference

-- case: hand-cte-jobs-name
with j as (select id, last_error from jobs) select j.id, j.last_error from j order by j.id
-- expect: untouched no-pending-reference

-- case: hand-recursive-cte
with recursive r(n, err) as (select 1, (select last_error from environments where id = 'env_1') union all select n + 1, err from r where n < 3) select n, err from r
-- expect:
with recursive r(n, err) as (select 1, (select NULL::text AS "last_error" from environments where id = 'env_1') union all select n + 1, err from r where n < 3) select n, err from r

-- case: hand-subquery-in-from-named
select s.id, s.last_error from (select id, last_error from environments) s order by s.id
-- expect:
select s.id, s.last_error from (select id, NULL::text AS "last_error" from environments) s order by s.id

-- case: hand-subquery-star-qualified-outer
select s.id, s.last_error from (select e.* from environments e) s order by s.id
-- expect:
select s.id, NULL::text AS "last_error" from (select e.* from environments e) s order by s.id

-- case: hand-subquery-star-unqualified-outer
select id, last_error from (select * from environments) s order by id
-- expect:
select id, NULL::text AS "last_error" from (select * from environments) s order by id

-- case: hand-subquery-star-join-unknown
-- facts: none
select s.last_error from (select * from environments e join users u on u.id = e.user_id) s
-- expect: untouched ambiguous

-- case: hand-subquery-column-alias-list
select s.a, s.b from (select id, last_error from environments) as s(a, b) order by s.a
-- expect:
select s.a, s.b from (select id, NULL::text AS "last_error" from environments) as s(a, b) order by s.a

-- case: hand-correlated-subquery-outer-ref
select u.id, (select count(*) from jobs j where j.last_error = (select e.last_error from environments e where e.user_id = u.id limit 1)) as n from users u order by u.id
-- expect:
select u.id, (select count(*) from jobs j where j.last_error = (select NULL::text AS "last_error" from environments e where e.user_id = u.id limit 1)) as n from users u order by u.id

-- case: hand-correlated-unqualified-inner-wins
select id from jobs where exists (select 1 from environments where environments.id = jobs.environment_id and last_error is null) order by id
-- expect:
select id from jobs where exists (select 1 from environments where environments.id = jobs.environment_id and (NULL::text) is null) order by id

-- case: hand-correlated-unqualified-outer-pending
select e.id from environments e where exists (select 1 from users u where u.id = e.user_id and last_error is null) order by e.id
-- expect:
select e.id from environments e where exists (select 1 from users u where u.id = e.user_id and (NULL::text) is null) order by e.id

-- case: hand-correlated-unqualified-inner-jobs
select e.id from environments e where exists (select 1 from jobs j where j.environment_id = e.id and last_error is not null) order by e.id
-- expect: untouched no-pending-reference

-- case: hand-lateral-subquery
select u.id, x.err from users u cross join lateral (select e.last_error as err from environments e where e.user_id = u.id order by e.id limit 1) x order by u.id
-- expect:
select u.id, x.err from users u cross join lateral (select NULL::text as err from environments e where e.user_id = u.id order by e.id limit 1) x order by u.id

-- case: hand-lateral-unqualified
select u.id, x.last_error from users u left join lateral (select last_error from environments where user_id = u.id limit 1) x on true order by u.id
-- expect:
select u.id, x.last_error from users u left join lateral (select NULL::text AS "last_error" from environments where user_id = u.id limit 1) x on true order by u.id

-- case: hand-union-both-arms
select id, last_error from environments union select id, last_error from jobs order by 1
-- expect:
select id, NULL::text AS "last_error" from environments union select id, last_error from jobs order by 1

-- case: hand-union-order-by-output-name
select id, last_error from environments union all select id, name from users order by last_error, id
-- expect:
select id, NULL::text AS "last_error" from environments union all select id, name from users order by last_error, id

-- case: hand-order-by-output-alias
select id, last_error from environments order by last_error, id
-- expect:
select id, NULL::text AS "last_error" from environments order by last_error, id

-- case: hand-order-by-input-expression
select id from environments order by lower(last_error), id
-- expect:
select id from environments order by lower((NULL::text)), id

-- case: hand-order-by-alias-named-like-pending
select id as last_error from environments order by last_error
-- expect: untouched no-pending-reference

-- case: hand-group-by-having
select last_error, count(*) as n from environments group by last_error having count(*) > 0 and last_error is null
-- expect:
select NULL::text AS "last_error", count(*) as n from environments group by (NULL::text) having count(*) > 0 and (NULL::text) is null

-- case: hand-group-by-ordinal
select last_error, count(*) from environments group by 1
-- expect:
select NULL::text AS "last_error", count(*) from environments group by 1

-- case: hand-window-partition
select id, rank() over (partition by last_error order by id) from environments order by id
-- expect:
select id, rank() over (partition by (NULL::text) order by id) from environments order by id

-- case: hand-named-window
select id, rank() over w from environments window w as (partition by last_error order by id) order by id
-- expect:
select id, rank() over w from environments window w as (partition by (NULL::text) order by id) order by id

-- case: hand-filter-clause
select count(*) filter (where last_error is not null) as failed from environments
-- expect:
select count(*) filter (where (NULL::text) is not null) as failed from environments

-- case: hand-agg-order-by
select string_agg(last_error, ',' order by last_error) from environments
-- expect:
select string_agg((NULL::text), ',' order by (NULL::text)) from environments

-- case: hand-is-distinct-from-last-target
select id, last_error is distinct from 'x' from environments order by id
-- expect:
select id, (NULL::text) is distinct from 'x' from environments order by id

-- case: hand-cast-target-keeps-name
select id, last_error::varchar(20) from environments order by id
-- expect:
select id, (NULL::text)::varchar(20) AS "last_error" from environments order by id

-- case: hand-double-cast-target
select id, last_error::text::varchar from environments order by id
-- expect:
select id, (NULL::text)::text::varchar AS "last_error" from environments order by id

-- case: hand-collate-target
select id, last_error collate "C" from environments order by id
-- expect:
select id, (NULL::text) collate "C" AS "last_error" from environments order by id

-- case: hand-parenthesized-target
select id, (last_error) from environments order by id
-- expect:
select id, (NULL::text) AS "last_error" from environments order by id

-- case: hand-parenthesized-target-aliased
select id, (e.last_error) as x from environments e order by id
-- expect:
select id, (NULL::text) as x from environments e order by id

-- case: hand-function-target-name
select id, upper(last_error) from environments order by id
-- expect:
select id, upper((NULL::text)) from environments order by id

-- case: hand-nullif
select nullif(last_error, '') from environments
-- expect:
select nullif((NULL::text), '') from environments

-- case: hand-subscript-of-array
-- pending: environments.tags:text[]
select id, tags[1] from environments order by id
-- expect:
select id, (NULL::text[])[1] AS "tags" from environments order by id

-- case: hand-array-pending-in-where
-- pending: environments.tags:text[]
select id from environments where tags @> array['gpu'] order by id
-- expect:
select id from environments where (NULL::text[]) @> array['gpu'] order by id

-- case: hand-jsonb-arrow
-- pending: environments.meta:jsonb
-- default: '{}'
select id, meta->>'region' as region, meta from environments order by id
-- expect:
select id, (('{}')::jsonb)->>'region' as region, ('{}')::jsonb AS "meta" from environments order by id

-- case: hand-between-and-in
-- pending: environments.finished_at:timestamp with time zone
select id from environments where finished_at between now() - interval '1 day' and now() or finished_at is null order by id
-- expect:
select id from environments where (NULL::timestamp with time zone) between now() - interval '1 day' and now() or (NULL::timestamp with time zone) is null order by id

-- case: hand-values-in-from
select v.x, e.last_error from (values ('env_1'), ('env_2')) as v(x) join environments e on e.id = v.x order by v.x
-- expect:
select v.x, NULL::text AS "last_error" from (values ('env_1'), ('env_2')) as v(x) join environments e on e.id = v.x order by v.x

-- case: hand-function-in-from-no-colnames
-- facts: none
select g, last_error from environments, generate_series(1, 2) g
-- expect: untouched ambiguous

-- case: hand-function-in-from-opaque-with-facts
select g, last_error from environments, generate_series(1, 2) g order by g
-- expect: untouched ambiguous

-- case: hand-function-in-from-colnames
select g.n, last_error from environments e, generate_series(1, 2) as g(n) order by g.n, e.id
-- expect:
select g.n, NULL::text AS "last_error" from environments e, generate_series(1, 2) as g(n) order by g.n, e.id

-- case: hand-aliased-join
select j.last_error from (environments e join users u on u.id = e.user_id) as j order by 1
-- expect:
select NULL::text AS "last_error" from (environments e join users u on u.id = e.user_id) as j order by 1

-- case: hand-natural-join-untouched
select last_error from environments natural join users
-- expect: untouched unsupported

-- case: hand-join-using-pending-untouched
select e.id from environments e join jobs j using (last_error)
-- expect: untouched unsupported

-- case: hand-join-using-other
select environments.id, environments.last_error from environments join users using (id)
-- expect:
select environments.id, NULL::text AS "last_error" from environments join users using (id)

-- case: hand-string-literal-only
select 'last_error' as label from environments
-- expect: untouched no-pending-reference

-- case: hand-comment-only
select id /* last_error */ from environments -- last_error
-- expect: untouched no-pending-reference

-- case: hand-prefilter-miss
select id, name from environments where status = 'RUNNING'
-- expect: untouched prefilter-miss

-- case: hand-parse-error
select last_error from environments where
-- expect: untouched parse-error

-- case: hand-copy-from-only-pending-untouched
-- exec: no
COPY environments (last_error) FROM STDIN
-- expect: untouched copy

-- case: hand-copy-query
-- exec: no
COPY (SELECT id, last_error FROM environments) TO STDOUT
-- expect:
COPY (SELECT id, NULL::text AS "last_error" FROM environments) TO STDOUT

-- case: hand-create-view-untouched
-- exec: no
CREATE VIEW env_errors AS SELECT id, last_error FROM environments
-- expect: untouched utility

-- case: hand-explain-utility-untouched
-- exec: no
EXPLAIN CREATE TABLE env_copy AS SELECT last_error FROM environments
-- expect: untouched utility

-- case: hand-select-into-untouched
-- exec: no
SELECT id, last_error INTO TEMP env_copy FROM environments
-- expect: untouched unsupported

-- case: hand-select-star-and-column
select *, last_error from environments
-- expect:
select *, NULL::text AS "last_error", NULL::text AS "last_error" from environments

-- case: hand-select-qualified-star-other-table
select u.*, e.last_error from users u join environments e on e.user_id = u.id order by u.id, e.id
-- expect:
select u.*, NULL::text AS "last_error" from users u join environments e on e.user_id = u.id order by u.id, e.id

-- case: hand-exists-star-ok
select id from users u where exists (select * from environments e where e.user_id = u.id and e.last_error is null) order by id
-- expect:
select id from users u where exists (select * from environments e where e.user_id = u.id and (NULL::text) is null) order by id

-- case: hand-update-from
update environments e set last_error = 'x', name = e.name || '!' from users u where u.id = e.user_id and u.email = 'ada@example.com' returning e.id, e.last_error, u.email
-- expect:
update environments e set name = e.name || '!' from users u where u.id = e.user_id and u.email = 'ada@example.com' returning e.id, NULL::text AS "last_error", u.email

-- case: hand-update-only-pending-no-where-column
-- exec: no
update environments set last_error = 'x'
-- expect: untouched unsupported

-- case: hand-update-only-pending-alias-where
update environments as e set last_error = 'x' where e.status = 'RUNNING' returning e.id
-- expect:
update environments as e set "status" = "e"."status" where e.status = 'RUNNING' returning e.id

-- case: hand-update-only-pending-from-qualified
update environments set last_error = j.last_error from jobs j where j.environment_id = environments.id returning environments.id
-- expect:
update environments set "id" = "environments"."id" from jobs j where j.environment_id = environments.id returning environments.id

-- case: hand-update-multi-assign
update environments set (last_error, name) = ('x', 'y') where id = 'env_1'
-- expect:
update environments set (name) = ROW('y') where id = 'env_1'

-- case: hand-update-multi-assign-only-pending-untouched
update environments set (last_error) = row('x') where id = 'env_1'
-- expect: untouched unsupported

-- case: hand-update-multi-assign-other
update environments set (name, status) = ('y', 'RUNNING') where last_error is null and id = 'env_1'
-- expect:
update environments set (name, status) = ('y', 'RUNNING') where (NULL::text) is null and id = 'env_1'

-- case: hand-update-set-from-pending
update environments set name = coalesce(last_error, name) where id = 'env_1' returning name
-- expect:
update environments set name = coalesce((NULL::text), name) where id = 'env_1' returning name

-- case: hand-update-jobs-from-environments
update jobs set last_error = e.last_error from environments e where e.id = jobs.environment_id returning jobs.id
-- expect:
update jobs set last_error = (NULL::text) from environments e where e.id = jobs.environment_id returning jobs.id

-- case: hand-delete-using
delete from jobs using environments e where e.id = jobs.environment_id and e.last_error is not null returning jobs.id, jobs.last_error
-- expect:
delete from jobs using environments e where e.id = jobs.environment_id and (NULL::text) is not null returning jobs.id, jobs.last_error

-- case: hand-delete-returning-alias
delete from environments e where e.id = 'env_2' returning e.id, e.last_error as err
-- expect:
delete from environments e where e.id = 'env_2' returning e.id, NULL::text as err

-- case: hand-insert-select-middle
insert into environments (id, last_error, name, user_id) select u.id || '_x', u.email, u.name, u.id from users u where u.name is not null returning id
-- expect:
insert into environments (id, name, user_id) select u.id || '_x', u.name, u.id from users u where u.name is not null returning id

-- case: hand-insert-only-pending-single-row
-- exec: no
insert into environments (last_error) values ('x') returning id
-- expect:
insert into environments DEFAULT VALUES returning id

-- case: hand-insert-default-keyword
insert into environments (id, name, user_id, last_error, status) values ('e_d', 'd', 'user_1', DEFAULT, DEFAULT)
-- expect:
insert into environments (id, name, user_id, status) values ('e_d', 'd', 'user_1', DEFAULT)

-- case: hand-insert-value-expression
insert into environments (id, name, user_id, last_error) values ('e_v', 'v', 'user_1', concat('a', (select 'b'), 'c'))
-- expect:
insert into environments (id, name, user_id) values ('e_v', 'v', 'user_1')

-- case: hand-insert-with-cte
with src as (select 'e_w' as id) insert into environments (id, name, user_id, last_error) select id, 'w', 'user_1', null from src
-- expect:
with src as (select 'e_w' as id) insert into environments (id, name, user_id) select id, 'w', 'user_1' from src

-- case: hand-insert-on-conflict-target-pending-untouched
insert into environments (id, name, user_id, last_error) values ('env_1', 'x', 'user_1', 'y') on conflict (last_error) do nothing
-- expect: untouched unsupported

-- case: hand-insert-on-conflict-on-constraint-only-pending
insert into environments (id, name, user_id, last_error) values ('env_1', 'x', 'user_1', 'y') on conflict on constraint environments_pkey do update set last_error = excluded.last_error
-- expect: untouched unsupported

-- case: hand-insert-on-conflict-alias-target
-- compare: shape
insert into environments as t (id, name, user_id, last_error) values ('env_1', 'x', 'user_1', 'y') on conflict (id) do update set name = t.name || coalesce(excluded.last_error, t.last_error, '') returning t.id, t.name, t.last_error
-- expect:
insert into environments as t (id, name, user_id) values ('env_1', 'x', 'user_1') on conflict (id) do update set name = t.name || coalesce((NULL::text), (NULL::text), '') returning t.id, t.name, NULL::text AS "last_error"

-- case: hand-writable-cte
-- compare: shape
with upd as (update environments set last_error = 'x', name = name where id = 'env_1' returning id, last_error) select id, last_error from upd
-- expect:
with upd as (update environments set name = name where id = 'env_1' returning id, NULL::text AS "last_error") select id, last_error from upd

-- case: hand-writable-cte-star-returning
with upd as (update environments set name = name where id = 'env_1' returning *) select id, last_error from upd
-- expect:
with upd as (update environments set name = name where id = 'env_1' returning *) select id, NULL::text AS "last_error" from upd

-- case: hand-in-subquery-unqualified
select id from users where id in (select user_id from environments where last_error is null) order by id
-- expect:
select id from users where id in (select user_id from environments where (NULL::text) is null) order by id

-- case: hand-scalar-subquery-target-name
select u.id, (select last_error from environments e where e.user_id = u.id limit 1) from users u order by u.id
-- expect:
select u.id, (select NULL::text AS "last_error" from environments e where e.user_id = u.id limit 1) from users u order by u.id

-- case: hand-any-array-subquery
select id from environments where last_error = any (array(select last_error from jobs)) order by id
-- expect:
select id from environments where (NULL::text) = any (array(select last_error from jobs)) order by id

-- case: hand-field-of-pending-untouched
-- exec: no
select last_error.x from environments
-- expect: untouched unsupported

-- case: hand-default-value-expression
-- pending: environments.retries:integer
-- default: 0
select id, retries, retries + 1 as next from environments where retries < 3 order by id
-- expect:
select id, (0)::integer AS "retries", ((0)::integer) + 1 as next from environments where ((0)::integer) < 3 order by id

-- case: hand-two-pending-tables-join
-- pending: environments.last_error:text
-- pending: users.avatar_url:text
select e.id, e.last_error, u.avatar_url from environments e join users u on u.id = e.user_id order by e.id
-- expect:
select e.id, NULL::text AS "last_error", NULL::text AS "avatar_url" from environments e join users u on u.id = e.user_id order by e.id

-- case: hand-same-name-two-pending-tables-ambiguous
-- pending: environments.note:text
-- pending: users.note:text
select e.id from environments e join users u on u.id = e.user_id where note is null
-- expect: untouched ambiguous

-- case: hand-pending-name-on-other-table-only
-- pending: users.avatar_url:text
-- exec: no
select e.id, e.last_error from environments e
-- expect: untouched prefilter-miss

-- case: hand-comments-and-newlines
select e.id,
       e.last_error -- the new column
  from environments e
 where e.last_error is null /* only healthy */
 order by e.id
-- expect:
select e.id,
       NULL::text AS "last_error" -- the new column
  from environments e
 where (NULL::text) is null /* only healthy */
 order by e.id

-- case: hand-dollar-quoted-literal
select $$last_error$$ as s, last_error from environments order by id
-- expect:
select $$last_error$$ as s, NULL::text AS "last_error" from environments order by id

-- case: hand-multi-statement-select-update
-- exec: no
select last_error from environments where id = 'env_1'; update environments set last_error = null, name = name where id = 'env_1'
-- expect:
select NULL::text AS "last_error" from environments where id = 'env_1'; update environments set name = name where id = 'env_1'

-- case: hand-multi-statement-copy-blocks
-- exec: no
select last_error from environments; copy environments (last_error) from program 'cat'
-- expect: untouched copy

-- case: hand-distinct-on-output
select distinct on (last_error) last_error, id from environments order by last_error, id
-- expect:
select distinct on (last_error) NULL::text AS "last_error", id from environments order by last_error, id

-- case: hand-limit-subquery
select id from environments order by id limit (select count(*) from environments where last_error is null)
-- expect:
select id from environments order by id limit (select count(*) from environments where (NULL::text) is null)

-- case: hand-row-constructor
select id from environments where (id, last_error) = ('env_1', null) order by id
-- expect:
select id from environments where (id, (NULL::text)) = ('env_1', null) order by id

-- case: hand-in-values-list-target
select id, last_error in ('a', 'b') as bad from environments order by id
-- expect:
select id, (NULL::text) in ('a', 'b') as bad from environments order by id

-- case: hand-case-simple
select id, case last_error when 'x' then 1 else 0 end as code from environments order by id
-- expect:
select id, case (NULL::text) when 'x' then 1 else 0 end as code from environments order by id

-- case: hand-four-part-name
-- exec: no
select app.public.environments.last_error from public.environments
-- expect:
select NULL::text AS "last_error" from public.environments

-- case: hand-table-sample
select id, last_error from environments tablesample system (100) order by id
-- expect:
select id, NULL::text AS "last_error" from environments tablesample system (100) order by id
