//! The cluster's processes: a scheduler, executors, and a whole cluster on one machine.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

use super::{GRPC_MESSAGE_LIMIT, LogicalCodec, PhysicalCodec, plannable_by_ballista};
use crate::location::EnvObjectStoreRegistry;
use crate::session;

/// How often executors report to the scheduler, and how long the scheduler waits for a
/// silent executor before it gives the executor's tasks to the others. Ballista's
/// defaults (60 s and 180 s) suit long-lived clusters; a batch job over call logs should
/// not wait three minutes for a lost machine.
const HEARTBEAT_SECONDS: u64 = 2;
const EXECUTOR_TIMEOUT_SECONDS: u64 = 10;

/// Runs a scheduler on `bind` until `stop` completes.
pub async fn run_scheduler(bind: SocketAddr, stop: impl Future<Output = ()>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let process = format!("the scheduler at {bind}");
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        external_host: bind.ip().to_string(),
        executor_timeout_seconds: EXECUTOR_TIMEOUT_SECONDS,
        expire_dead_executor_interval_seconds: HEARTBEAT_SECONDS,
        no_executors_grace_period_seconds: EXECUTOR_TIMEOUT_SECONDS,
        grpc_server_max_decoding_message_size: GRPC_MESSAGE_LIMIT,
        grpc_server_max_encoding_message_size: GRPC_MESSAGE_LIMIT,
        grpc_client_max_message_size: GRPC_MESSAGE_LIMIT,
        override_session_builder: Some(Arc::new(|config: SessionConfig| {
            session::state(
                plannable_by_ballista(config),
                cluster_runtime(None)?,
                &callsql_udfs::Config::default(),
            )
            .map_err(|e| DataFusionError::External(e.into()))
        })),
        override_logical_codec: Some(Arc::new(LogicalCodec::new(process.clone()))),
        override_physical_codec: Some(Arc::new(PhysicalCodec::new(process))),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config).await?;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config)).await?;
    eprintln!("callsql scheduler listening on {bind}");
    tokio::select! {
        served = start_grpc_service_with_listener(listener, scheduler) => {
            served.map_err(|e| anyhow!("the scheduler stopped: {e}"))
        }
        () = stop => Ok(()),
    }
}

/// What an executor is started with.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's address.
    pub scheduler: SocketAddr,
    /// Where the executor serves its shuffle files and results (Arrow Flight); its
    /// control service listens on the next port.
    pub bind: SocketAddr,
    /// Where shuffle files are written; a temporary directory when not given.
    pub work_dir: Option<PathBuf>,
    /// Tasks run at once; the number of cores when not given.
    pub concurrent_tasks: Option<usize>,
}

/// Runs an executor until Ctrl-C or SIGTERM (which Ballista's executor listens for
/// itself, to tell the scheduler it is leaving).
pub async fn run_executor(options: ExecutorOptions) -> Result<()> {
    let id = ballista_core::ids::new_instance_id();
    let grpc_port = options
        .bind
        .port()
        .checked_add(1)
        .with_context(|| format!("executor port {} has no next port", options.bind.port()))?;
    let process = format!("executor {id} at {}", options.bind);
    let functions = session::state(
        SessionConfig::new(),
        cluster_runtime(None)?,
        &callsql_udfs::Config::default(),
    )?;
    let work_dir = options.work_dir.clone();
    let mut config = ExecutorProcessConfig {
        executor_id: id,
        bind_host: options.bind.ip().to_string(),
        external_host: Some(options.bind.ip().to_string()),
        port: options.bind.port(),
        grpc_port,
        scheduler_host: options.scheduler.ip().to_string(),
        scheduler_port: options.scheduler.port(),
        scheduler_connect_timeout_seconds: 10,
        work_dir: work_dir.as_ref().map(|dir| dir.display().to_string()),
        executor_heartbeat_interval_seconds: HEARTBEAT_SECONDS,
        grpc_max_decoding_message_size: GRPC_MESSAGE_LIMIT,
        grpc_max_encoding_message_size: GRPC_MESSAGE_LIMIT,
        special_mod_log_level: "WARN".into(),
        print_thread_info: false,
        override_function_registry: Some(Arc::new(BallistaFunctionRegistry::from(&functions))),
        override_runtime_producer: Some(Arc::new(move |_config: &SessionConfig| {
            cluster_runtime(work_dir.clone())
        })),
        override_logical_codec: Some(Arc::new(LogicalCodec::new(process.clone()))),
        override_physical_codec: Some(Arc::new(PhysicalCodec::new(process))),
        ..ExecutorProcessConfig::default()
    };
    if let Some(tasks) = options.concurrent_tasks {
        config.vcores = tasks;
    }
    eprintln!(
        "callsql executor listening on {} for the scheduler at {}",
        options.bind, options.scheduler
    );
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| anyhow!("the executor stopped: {e}"))
}

/// The runtime of a scheduler's or an executor's sessions: the object stores the CLI
/// uses (S3 from the `AWS_*` environment), and temporary files under `work_dir`.
fn cluster_runtime(work_dir: Option<PathBuf>) -> datafusion::common::Result<Arc<RuntimeEnv>> {
    let mut runtime = RuntimeEnvBuilder::new()
        .with_object_store_registry(Arc::new(EnvObjectStoreRegistry::default()));
    if let Some(dir) = work_dir {
        runtime = runtime.with_temp_file_path(dir);
    }
    runtime.build_arc()
}

/// A scheduler and executors on this machine, each its own `callsql` process.
pub struct LocalCluster {
    children: Vec<(String, Child)>,
    /// The scheduler's address.
    pub scheduler: SocketAddr,
}

impl LocalCluster {
    /// Starts a scheduler on `bind` and `executors` executors on free loopback ports, and
    /// waits until each one listens. The processes stop when this value is dropped or
    /// when this process dies.
    pub fn start(bind: SocketAddr, executors: usize, work_dir: &std::path::Path) -> Result<Self> {
        let program = std::env::current_exe().context("cannot find the callsql program")?;
        let mut cluster = LocalCluster {
            children: Vec::new(),
            scheduler: bind,
        };
        cluster.spawn(
            "scheduler".to_string(),
            Command::new(&program).args(["scheduler", "--bind", &bind.to_string()]),
            bind,
        )?;
        for index in 1..=executors {
            let address = free_port_pair(bind.ip())?;
            let dir = work_dir.join(format!("executor-{index}"));
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            cluster.spawn(
                format!("executor {index}"),
                Command::new(&program)
                    .args(["executor", "--scheduler", &bind.to_string()])
                    .args(["--bind", &address.to_string()])
                    .arg("--work-dir")
                    .arg(&dir),
                address,
            )?;
        }
        Ok(cluster)
    }

    /// Each process's name, process id and address, for printing.
    pub fn processes(&self) -> impl Iterator<Item = (&str, u32)> {
        self.children
            .iter()
            .map(|(name, child)| (name.as_str(), child.id()))
    }

    /// Waits for `stop` or the end of the scheduler. An executor that ends is reported
    /// and the cluster goes on with the others, whose retries take over its tasks.
    pub async fn wait(&mut self, stop: impl Future<Output = ()>) -> Result<()> {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => return Ok(()),
                _ = tick.tick() => {
                    let mut ended = Vec::new();
                    for (index, (name, child)) in self.children.iter_mut().enumerate() {
                        if let Some(status) = child.try_wait()? {
                            if index == 0 {
                                bail!("the cluster's {name} exited ({status}); the cluster stopped");
                            }
                            // The reader of stderr may be gone; the cluster goes on.
                            let _ = writeln!(std::io::stderr(), "the cluster's {name} exited ({status})");
                            ended.push(index);
                        }
                    }
                    for index in ended.into_iter().rev() {
                        self.children.remove(index);
                    }
                    if self.children.len() == 1 {
                        bail!("every executor of the cluster exited; the cluster stopped");
                    }
                }
            }
        }
    }

    fn spawn(&mut self, name: String, command: &mut Command, address: SocketAddr) -> Result<()> {
        use std::os::unix::process::CommandExt;
        // The processes go with this one, even when it is killed.
        // SAFETY: prctl is async-signal-safe and touches only the child being started.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start the cluster's {name}"))?;
        self.children.push((name.clone(), child));
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if let Some((_, child)) = self.children.last_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("the cluster's {name} exited ({status}) before it listened on {address}");
            }
            if Instant::now() > deadline {
                bail!("the cluster's {name} did not listen on {address} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            // SAFETY: kill(2) on our own child's process id.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for (_, child) in &mut self.children {
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback address whose port and the next are both free (an executor's Flight and
/// control services).
fn free_port_pair(ip: std::net::IpAddr) -> Result<SocketAddr> {
    for _ in 0..100 {
        let first = TcpListener::bind(SocketAddr::new(ip, 0))?;
        let address = first.local_addr()?;
        let Some(next) = address.port().checked_add(1) else {
            continue;
        };
        if TcpListener::bind(SocketAddr::new(ip, next)).is_ok() {
            return Ok(address);
        }
    }
    bail!("no two free consecutive ports on {ip}")
}
