/* The store's schema as a list of migrations. Append only: migration N takes a database at
 * user_version N-1 to N. Never edit a migration that has shipped. */
#include "store/schema.h"

#include <stddef.h>

const char *const STORE_MIGRATIONS[] = {
	/* 1: images and their layers. Everything is per storage driver, as in Docker (image/<driver>/):
	 * switching drivers hides, never loses, what the other driver holds. */
	"CREATE TABLE layers ("
	"  driver TEXT NOT NULL,"                /* storage driver holding it */
	"  chain_id TEXT NOT NULL,"              /* image-spec ChainID */
	"  diff_id TEXT NOT NULL,"               /* sha256 of the uncompressed tar */
	"  parent TEXT,"                         /* ChainID of the layer below, NULL for a base layer */
	"  cache_id TEXT NOT NULL UNIQUE,"       /* the driver's id for it */
	"  size INTEGER NOT NULL,"               /* bytes of the uncompressed tar */
	"  content_size INTEGER NOT NULL,"       /* bytes of file content (Docker's layer size) */
	"  created INTEGER NOT NULL,"            /* ns */
	"  PRIMARY KEY (driver, chain_id),"
	"  FOREIGN KEY (driver, parent) REFERENCES layers(driver, chain_id));"
	"CREATE INDEX layers_parent ON layers(driver, parent);"
	"CREATE TABLE images ("
	"  driver TEXT NOT NULL,"
	"  id TEXT NOT NULL,"                    /* sha256 of the config blob */
	"  top_layer TEXT,"                      /* ChainID of the last layer, NULL if none */
	"  size INTEGER NOT NULL,"               /* sum of the layers' content_size */
	"  parent TEXT,"                         /* local parent image (build, commit) */
	"  created INTEGER NOT NULL,"            /* when it entered this store, ns */
	"  image_created INTEGER NOT NULL,"      /* the config's "created", ns (0 if absent) */
	"  last_tag_time INTEGER NOT NULL DEFAULT 0,"  /* ns; 0 = never tagged */
	"  PRIMARY KEY (driver, id),"
	"  FOREIGN KEY (driver, top_layer) REFERENCES layers(driver, chain_id));"
	"CREATE INDEX images_top ON images(driver, top_layer);"
	"CREATE TABLE tags ("
	"  driver TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"                   /* canonical name:tag (docker.io/library/busybox:latest) */
	"  image_id TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (driver, ref),"
	"  FOREIGN KEY (driver, image_id) REFERENCES images(driver, id));"
	"CREATE INDEX tags_image ON tags(driver, image_id);"
	"CREATE TABLE repo_digests ("
	"  driver TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"                   /* canonical name@sha256:<manifest digest> */
	"  image_id TEXT NOT NULL,"
	"  PRIMARY KEY (driver, ref),"
	"  FOREIGN KEY (driver, image_id) REFERENCES images(driver, id));"
	"CREATE INDEX repo_digests_image ON repo_digests(driver, image_id);"
	"CREATE TABLE plugin_kv ("
	"  driver TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  PRIMARY KEY (driver, key));",
	/* containers: the stored document (Docker's Config/HostConfig shapes) plus the live state */
	"CREATE TABLE containers ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"           /* without the leading slash */
	"  image_id TEXT,"
	"  created INTEGER NOT NULL,"            /* ns */
	"  doc TEXT NOT NULL,"                   /* JSON: Id, Name, Path, Args, Config, HostConfig, Mounts.. */
	"  state TEXT NOT NULL DEFAULT 'created'," /* created|running|paused|restarting|exited|dead|removing */
	"  pid INTEGER NOT NULL DEFAULT 0,"
	"  pid_start INTEGER NOT NULL DEFAULT 0," /* /proc start time of pid, against pid reuse */
	"  monitor_pid INTEGER NOT NULL DEFAULT 0,"
	"  monitor_start INTEGER NOT NULL DEFAULT 0,"
	"  exit_code INTEGER NOT NULL DEFAULT 0,"
	"  oom INTEGER NOT NULL DEFAULT 0,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  started_at INTEGER NOT NULL DEFAULT 0,"
	"  finished_at INTEGER NOT NULL DEFAULT 0,"
	"  restart_count INTEGER NOT NULL DEFAULT 0,"
	"  driver TEXT,"                         /* storage driver of the rw layer */
	"  rw_layer TEXT,"                       /* the driver's id for it, NULL with --rootfs */
	"  rootfs TEXT);"                        /* --rootfs DIR instead of an image */
	"CREATE INDEX containers_image ON containers(image_id);",
	/* registry blobs: which compressed blob holds a layer (diff_id) in which registry repository,
	 * so push can HEAD-skip, mount or reuse it instead of compressing again (core/registry) */
	"CREATE TABLE registry_blobs ("
	"  diff_id TEXT NOT NULL,"
	"  digest TEXT NOT NULL,"                /* sha256 of the compressed blob */
	"  size INTEGER NOT NULL,"
	"  registry TEXT NOT NULL,"              /* \"127.0.0.1:5000\", \"docker.io\" */
	"  repository TEXT NOT NULL,"            /* \"team/app\" */
	"  PRIMARY KEY (diff_id, registry, repository));",
	/* volumes (local driver): data in <data-root>/volumes/<name>/_data */
	"CREATE TABLE volumes ("
	"  name TEXT PRIMARY KEY,"
	"  driver TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"            /* ns */
	"  labels TEXT NOT NULL DEFAULT '{}',"   /* JSON object */
	"  options TEXT NOT NULL DEFAULT '{}',"  /* JSON object (driver opts) */
	"  anonymous INTEGER NOT NULL DEFAULT 0);",
	/* the cgroup reference a container's run was placed with (cgroup_ref, from daemon.json's
	 * cgroup-parent as it was then): commands on a running container use it, not today's */
	"ALTER TABLE containers ADD COLUMN cgroup TEXT NOT NULL DEFAULT '';",
	/* init layers (core/container/initlayer.c): the mount points every container needs, made
	 * once per image top layer in a layer of their own between it and the containers' rw
	 * layers (Docker's <id>-init), and which layer a container's rw layer was made on */
	"ALTER TABLE layers ADD COLUMN init_layer TEXT;"   /* driver id of its init layer, once complete */
	"ALTER TABLE containers ADD COLUMN rw_parent TEXT;", /* driver id under rw_layer; NULL: the image's top */
	NULL,
};
