# The Weltgewebe platform on Nomad: the nodes (`weltgewebe serve`: Pekko cluster, HTTP API,
# metrics) and PgBouncer in transaction mode between them and PostgreSQL. Caddy in front is
# deploy/nomad/proxy.nomad.hcl, NATS deploy/nomad/nats.nomad.hcl; PostgreSQL (wal_level = logical)
# runs outside Nomad. docs/deployment.md explains the topology; validate with deploy/nomad/validate.
#
#   nomad job run -var artifact=https://…/weltgewebe-0.1.0.tar.gz -var postgres_host=db.internal deploy/nomad/platform.nomad.hcl

variable "artifact" {
  type        = string
  description = "The built platform: a tarball of cli/target/classes and cli/target/lib (what ./weltgewebe runs)."
}

variable "postgres_host" {
  type    = string
  default = "127.0.0.1"
}

variable "postgres_port" {
  type    = number
  default = 5432
}

variable "database" {
  type    = string
  default = "weltgewebe"
}

variable "nodes" {
  type        = number
  default     = 1
  description = "Platform nodes. The seed list comes from Nomad's catalogue, so start with 1 and scale up (nomad job scale) once it runs."
}

job "weltgewebe" {
  datacenters = ["dc1"]
  type        = "service"

  update {
    max_parallel     = 1
    health_check     = "checks"
    min_healthy_time = "20s"
    healthy_deadline = "5m"
  }

  group "pgbouncer" {
    count = 1

    network {
      port "pg" {
        static = 6432
      }
    }

    service {
      name     = "weltgewebe-pgbouncer"
      port     = "pg"
      provider = "nomad"

      check {
        type     = "tcp"
        interval = "10s"
        timeout  = "2s"
      }
    }

    # Debian's pgbouncer on the client hosts (1.18, as this repository tests it). The settings are
    # deploy/pgbouncer/pgbouncer.ini's; the values come from Nomad.
    task "pgbouncer" {
      driver = "exec"
      user   = "postgres"

      config {
        command = "/usr/sbin/pgbouncer"
        args    = ["local/pgbouncer.ini"]
      }

      template {
        destination = "secrets/userlist.txt"
        data        = <<-EOT
          {{ with nomadVar "nomad/jobs/weltgewebe" }}"{{ .db_user }}" "{{ .db_password }}"{{ end }}
        EOT
      }

      template {
        destination = "local/pgbouncer.ini"
        data        = <<-EOT
          [databases]
          ${var.database} = host=${var.postgres_host} port=${var.postgres_port} dbname=${var.database}

          [pgbouncer]
          listen_addr = 0.0.0.0
          listen_port = {{ env "NOMAD_PORT_pg" }}
          unix_socket_dir =
          pool_mode = transaction
          default_pool_size = 20
          min_pool_size = 0
          reserve_pool_size = 5
          reserve_pool_timeout = 2
          max_client_conn = 1000
          query_wait_timeout = 10
          server_idle_timeout = 60
          server_lifetime = 3600
          server_reset_query =
          server_check_delay = 10
          ignore_startup_parameters = extra_float_digits
          auth_type = scram-sha-256
          auth_file = {{ env "NOMAD_SECRETS_DIR" }}/userlist.txt
          admin_users = postgres
          stats_users = postgres
          logfile =
          log_connections = 0
          log_disconnections = 0
          stats_period = 60
        EOT
      }

      resources {
        cpu    = 300
        memory = 128
      }
    }
  }

  group "platform" {
    count = var.nodes

    network {
      port "http" {}
      port "metrics" {}
      port "cluster" {}
    }

    service {
      name     = "weltgewebe-api"
      port     = "http"
      provider = "nomad"

      # the same check Caddy makes before it sends a node traffic
      check {
        type     = "http"
        path     = "/health/ready"
        interval = "5s"
        timeout  = "2s"
      }
    }

    service {
      name     = "weltgewebe-cluster"
      port     = "cluster"
      provider = "nomad"
    }

    service {
      name     = "weltgewebe-metrics"
      port     = "metrics"
      provider = "nomad"
      tags     = ["prometheus"]
    }

    task "node" {
      driver = "java"

      artifact {
        source      = var.artifact
        destination = "local/weltgewebe"
      }

      config {
        class       = "org.weltgewebe.cli.Weltgewebe"
        class_path  = "local/weltgewebe/classes:local/weltgewebe/lib/*"
        jvm_options = ["-Xmx1g", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4", "--add-opens", "java.base/java.lang=ALL-UNNAMED"]
        args = [
          "serve",
          "--http-port", "${NOMAD_PORT_http}",
          "--metrics-port", "${NOMAD_PORT_metrics}",
          "--cluster-port", "${NOMAD_PORT_cluster}",
        ]
      }

      # The pools go through PgBouncer (transaction mode: no named prepared statements, so
      # prepareThreshold 0); the outbox relay's logical replication and the migrations go to
      # PostgreSQL directly.
      template {
        destination = "secrets/weltgewebe.env"
        env         = true
        change_mode = "restart"
        data        = <<-EOT
          {{ range nomadService "weltgewebe-pgbouncer" }}WELTGEWEBE_DB_URL=jdbc:postgresql://{{ .Address }}:{{ .Port }}/${var.database}
          {{ end }}WELTGEWEBE_DB_DIRECT_URL=jdbc:postgresql://${var.postgres_host}:${var.postgres_port}/${var.database}
          WELTGEWEBE_DB_PREPARE_THRESHOLD=0
          {{ with nomadVar "nomad/jobs/weltgewebe" }}WELTGEWEBE_DB_USER={{ .db_user }}
          WELTGEWEBE_DB_PASSWORD={{ .db_password }}{{ end }}
          WELTGEWEBE_NATS_URL={{ range $i, $s := nomadService "weltgewebe-nats" }}{{ if $i }},{{ end }}nats://{{ $s.Address }}:{{ $s.Port }}{{ end }}
          WELTGEWEBE_SEED_NODES={{ range $i, $s := nomadService "weltgewebe-cluster" }}{{ if $i }},{{ end }}{{ $s.Address }}:{{ $s.Port }}{{ end }}
        EOT
      }

      env {
        WELTGEWEBE_HTTP_HOST    = "0.0.0.0"
        WELTGEWEBE_CLUSTER_HOST = "${NOMAD_IP_cluster}"
        WELTGEWEBE_AUTH_KEYS_FILE = "${NOMAD_SECRETS_DIR}/keys.json"
      }

      # one key file for the whole cluster, so a token made on one node verifies on every other
      template {
        destination = "secrets/keys.json"
        data        = <<-EOT
          {{ with nomadVar "nomad/jobs/weltgewebe" }}{{ .auth_keys }}{{ end }}
        EOT
      }

      resources {
        cpu    = 2000
        memory = 1536
      }

      kill_timeout = "35s"
    }
  }
}
