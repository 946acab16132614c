"""The datastore parameter catalog (what a configuration group may set on each datastore version: type, range,
whether a change needs a restart) and the my.cnf defaults a flavor implies; read-only reference data."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from simulator.reference.catalog import DATASTORES, DatastoreVersion, Flavor


@dataclass(frozen=True)
class Parameter:
    """One setting a configuration group may hold; min and max only for integers."""

    name: str
    type: str  # "integer" or "string" (the Cloud Databases parameter list has no other types)
    min: int | None
    max: int | None
    restart_required: bool


def _table(text: str) -> dict[str, Parameter]:
    """Rows of `name int|str min max R|D` (R: a change needs a restart; `-`: no bound) as Parameters by name."""
    out = {}
    for line in text.strip().splitlines():
        name, kind, low, high, restart = line.split()
        out[name] = Parameter(
            name,
            "integer" if kind == "int" else "string",
            None if low == "-" else int(low),
            None if high == "-" else int(high),
            restart == "R",
        )
    return out


#: The documented MySQL 5.6 list (cloud-databases-api §8.3) plus `autocommit` from the version-id variant: the
#: classic set every MySQL-family version starts from.
CLASSIC = _table("""
auto_increment_increment        int       1                65535 D
auto_increment_offset           int       1                65535 D
autocommit                      int       0                    1 D
bulk_insert_buffer_size         int       0 18446744073709547520 D
character_set_filesystem        str       -                    - D
character_set_server            str       -                    - D
collation_server                str       -                    - D
completion_type                 int       0                    2 D
concurrent_insert               int       0                    2 D
connect_timeout                 int       2                65535 D
default-storage-engine          str       -                    - D
default_time_zone               str       -                    - R
default_week_format             int       0                    7 D
delay_key_write                 int       0                    1 D
delayed_insert_limit            int       1 18446744073709547520 D
delayed_insert_timeout          int       1             31536000 D
delayed_queue_size              int       1 18446744073709547520 D
div_precision_increment         int       0                   30 D
event_scheduler                 int       0                    1 D
expire_logs_days                int       1                65535 D
flush                           int       0                    1 D
flush_time                      int       0             31536000 D
ft_boolean_syntax               str       -                    - D
ft_max_word_len                 int      10 18446744073709547520 R
ft_min_word_len                 int       1 18446744073709547520 R
ft_query_expansion_limit        int       0                 1000 R
general_log                     int       0                    1 D
group_concat_max_len            int       4 18446744073709547520 D
innodb_adaptive_hash_index      int       0                    1 D
innodb_autoinc_lock_mode        int       0                    2 R
innodb_buffer_pool_size         int       0          68719476736 R
innodb_commit_concurrency       int       0                 1000 D
innodb_concurrency_tickets      int       1           4294967295 D
innodb_file_format              str       -                    - D
innodb_file_per_table           int       0                    1 R
innodb_flush_log_at_trx_commit  int       0                    2 D
innodb_lock_wait_timeout        int       1           1073741824 R
innodb_locks_unsafe_for_binlog  int       0                    1 R
innodb_log_buffer_size          int 1048576           4294967296 R
innodb_max_dirty_pages_pct      int       0                  100 D
innodb_max_purge_lag            int       0           4294967295 D
innodb_old_blocks_pct           int       5                   95 D
innodb_old_blocks_time          int       0           4294967295 D
innodb_open_files               int      10           4294967296 R
innodb_rollback_on_timeout      int       0                    1 R
innodb_stats_method             str       -                    - D
innodb_stats_on_metadata        int       0                    1 D
innodb_stats_sample_pages       int       1 18446744073709551615 D
innodb_strict_mode              int       0                    1 D
innodb_sync_spin_loops          int       0           4294967295 D
innodb_thread_concurrency       int       0                 1000 D
innodb_thread_sleep_delay       int       1 18446744073709551615 D
interactive_timeout             int       1                65535 D
join_buffer_size                int       0           4294967296 D
key_buffer_size                 int       0           4294967296 D
key_cache_age_threshold         int     100 18446744073709547520 D
key_cache_division_limit        int       1                  100 D
log_output                      str       -                    - D
log_queries_not_using_indexes   int       0                    1 D
log_slow_admin_statements       int       0                    1 D
log_slow_queries                int       0                    1 D
long_query_time                 int       0             31536000 D
low_priority_updates            int       0                    1 D
lower_case_table_names          int       0                    2 R
max_allowed_packet              int    1024           1073741824 D
max_connect_errors              int       1 18446744073709547520 D
max_connections                 int       1                65535 D
max_delayed_threads             int       0                16384 D
max_error_count                 int       0                65535 D
max_heap_table_size             int   16384  1844674407370954752 D
max_join_size                   int       1           4294967295 D
max_length_for_sort_data        int       4              8388608 D
max_prepared_stmt_count         int       0              1048576 D
max_seeks_for_key               int       1 18446744073709547520 D
max_sort_length                 int       4              8388608 D
max_user_connections            int       1               100000 D
max_write_lock_count            int       1 18446744073709547520 D
min_examined_rows_limit         int       0 18446744073709547520 D
myisam_max_sort_file_size       int       0  9223372036854775807 D
myisam_sort_buffer_size         int       4 18446744073709547520 D
myisam_stats_method             str       -                    - D
net_read_timeout                int       1             31536000 D
net_retry_count                 int       1 18446744073709547520 D
net_write_timeout               int       1             31536000 D
old_alter_table                 int       0                    1 D
old_passwords                   int       0                    1 D
old_style_user_limits           int       0                    1 D
open-files-limit                int       0                65535 R
optimizer_prune_level           int       0                    1 D
optimizer_search_depth          int       0                   62 D
preload_buffer_size             int    1024           1073741824 D
query_cache_limit               int       0 18446744073709547520 D
query_cache_size                int       0 18446744073709547520 D
query_cache_type                int       0                    2 D
query_cache_wlock_invalidate    int       0                    1 D
query_prealloc_size             int    8192 18446744073709547520 D
range_alloc_block_size          int    4096 18446744073709547520 D
read_buffer_size                int    8200           2147479552 D
read_rnd_buffer_size            int    8200           2147483647 D
secure_auth                     int       0                    1 D
server_id                       int       1               100000 R
slow_launch_time                int       0             31536000 D
slow_query_log                  int       0                    1 D
sort_buffer_size                int   32768 18446744073709547520 D
sql_mode                        str       -                    - D
sync_binlog                     int       0 18446744073709547520 D
sync_frm                        int       0                    1 D
table_definition_cache          int     256               524288 D
table_open_cache                int       1               524288 D
thread_cache_size               int       0                16384 D
thread_stack                    int  131072 18446744073709547520 D
tmp_table_size                  int    1024 18446744073709551615 D
transaction-isolation           str       -                    - R
updatable_views_with_limit      int       0                    1 D
wait_timeout                    int       1             31536000 D
""")

#: In Trove's validation rules for mysql, percona and mariadb alike (newer server versions).
NEWER = _table("""
character_set_client            str       -                    - D
character_set_connection        str       -                    - D
character_set_database          str       -                    - D
character_set_results           str       -                    - D
collation_connection            str       -                    - D
collation_database              str       -                    - D
innodb_flush_method             str       -                    - R
innodb_log_file_size            int 4194304         274877906944 R
local_infile                    int       0                    1 D
performance_schema              int       0                    1 R
""")

#: In Trove's mysql rules only (MySQL and Percona 5.7 and 8.0).
MYSQL_57 = _table("""
innodb_buffer_pool_dump_pct     int       1                  100 D
innodb_checksum_algorithm       str       -                    - D
innodb_deadlock_detect          int       0                    1 D
innodb_flush_neighbors          int       0                    2 D
innodb_io_capacity_max          int     100 18446744073709551615 D
innodb_page_cleaners            int       1                   64 R
innodb_sort_buffer_size         int   65536             67108864 R
""")

#: Gone from the server before 5.7 (the 5.6 list still documents it).
GONE_IN_57 = ("log_slow_queries",)
#: Gone from MySQL 8.0: the query cache and settings of the old InnoDB file formats and password hashing.
GONE_IN_80 = (
    "query_cache_limit",
    "query_cache_size",
    "query_cache_type",
    "query_cache_wlock_invalidate",
    "innodb_file_format",
    "innodb_locks_unsafe_for_binlog",
    "innodb_stats_sample_pages",
    "old_passwords",
    "secure_auth",
    "sync_frm",
)
#: Where Trove's mariadb rules bound a setting differently from its mysql ones.
MARIADB_BOUNDS = {"innodb_log_buffer_size": (262144, 4294967295), "innodb_open_files": (10, 4294967295)}


def _family(version: DatastoreVersion) -> dict[str, Parameter]:
    """The parameters of one datastore version, from its datastore's name and its version's name."""
    if version.name == "5.6":
        return dict(CLASSIC)
    params = {k: v for k, v in CLASSIC.items() if k not in GONE_IN_57}
    params.update(NEWER)
    if version.datastore_name == "mariadb":
        for name, (low, high) in MARIADB_BOUNDS.items():
            params[name] = Parameter(name, "integer", low, high, params[name].restart_required)
        return params
    params.update(MYSQL_57)
    if version.name == "8.0":
        params = {k: v for k, v in params.items() if k not in GONE_IN_80}
    return params


#: Datastore version id -> its parameters by name (sorted), for every version the catalog lists.
PARAMETERS: dict[str, dict[str, Parameter]] = {
    version.id: dict(sorted(_family(version).items())) for ds in DATASTORES for version in ds.versions
}


def parameters_of(version_id: str) -> dict[str, Parameter]:
    """The parameters of a datastore version (empty for an id the catalog does not list)."""
    return PARAMETERS.get(version_id, {})


def _size(megabytes: float) -> str:
    return f"{int(megabytes)}M"


def flavor_defaults(version: DatastoreVersion, flavor: Flavor, instance_id: str | None) -> dict[str, str]:
    """What the my.cnf template renders for an instance (cloud-databases-api §7.2.7's keys, all strings): sizes
    grow with the flavor's RAM as in Trove's mysql template, the fixed values are the documented example's; the
    server_id comes from the instance id (from the version and flavor without an instance)."""
    k = flavor.ram / 512
    defaults = {
        "basedir": "/usr",
        "connect_timeout": "15",
        "datadir": "/var/lib/mysql",
        "default_storage_engine": "innodb",
        "innodb_buffer_pool_instances": str(max(1, flavor.ram // 8192)),
        "innodb_buffer_pool_size": _size(150 * k),
        "innodb_checksum_algorithm": "crc32",
        "innodb_data_file_path": "ibdata1:10M:autoextend",
        "innodb_file_per_table": "1",
        "innodb_io_capacity": "200",
        "innodb_io_capacity_max": "400",
        "innodb_log_buffer_size": "25M",
        "innodb_log_file_size": "256M",
        "innodb_log_files_in_group": "2",
        "innodb_open_files": "8192",
        "innodb_thread_concurrency": "0",
        "join_buffer_size": "1M",
        "key_buffer_size": _size(50 * k),
        "local-infile": "0",
        "log-error": "/var/log/mysql/mysqld.log",
        "max_allowed_packet": f"{int(1024 * k)}K",
        "max_connect_errors": "10000",
        "max_connections": str(int(100 * k)),
        "max_heap_table_size": _size(16 * k),
        "myisam-recover": "BACKUP",
        "open_files_limit": str(int(512 * k)),
        "performance_schema": "ON",
        "pid_file": "/var/run/mysqld/mysqld.pid",
        "port": "3306",
        "query_cache_limit": "1M",
        "query_cache_size": "8M",
        "query_cache_type": "1",
        "read_buffer_size": "512K",
        "read_rnd_buffer_size": "512K",
        "skip-external-locking": "1",
        "skip_name_resolve": "1",
        "sort_buffer_size": "1M",
        "table_open_cache": str(int(256 * k)),
        "thread_stack": "192K",
        "tmp_table_size": _size(16 * k),
        "tmpdir": "/var/tmp",
        "user": "mysql",
        "wait_timeout": "3600",
    }
    # A number in the server_id parameter's range, the same for the same instance (or, for a flavor's defaults
    # with no instance, the same for the same version and flavor).
    seed = instance_id if instance_id is not None else f"{version.id}/{flavor.id}"
    defaults["server_id"] = str(zlib.crc32(seed.encode()) % 100000 + 1)
    if "query_cache_size" not in parameters_of(version.id):  # a server without a query cache has no such lines
        defaults = {key: value for key, value in defaults.items() if not key.startswith("query_cache")}
    return dict(sorted(defaults.items()))
