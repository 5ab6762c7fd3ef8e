//! `kiosk guide`: the public service guide (8.1.2) from the rule table and the configuration's
//! business settings. Exit codes: 0 printed, 1 the configuration is invalid or the output
//! could not be made, 3 the configuration file could not be read.

use std::io::Write;
use std::path::{Path, PathBuf};

use firmware_config::{Config, ConfigError, Language, DEFAULT_PATH};
use kiosk_core::rules::guide;

use super::common::fail;

#[derive(clap::Args)]
pub(crate) struct GuideArgs {
    /// Print JSON (an array of entries) instead of text.
    #[arg(long)]
    json: bool,
    /// Language: zh-CN, ug or en (default: [ui] default_language of the configuration).
    #[arg(long, value_parser = parse_language)]
    lang: Option<Language>,
    /// The kiosk configuration (default /etc/kiosk/kiosk.toml; defaults when it is absent).
    #[arg(long)]
    config: Option<PathBuf>,
}

pub(crate) fn run(args: GuideArgs) -> i32 {
    let config = match load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            let code = match e {
                ConfigError::Read { .. } => 3,
                ConfigError::Invalid(_) => 1,
            };
            return fail(code, e);
        }
    };
    let lang = args.lang.unwrap_or(config.ui.default_language);
    let entries = guide::guide(&config.business, lang);
    let text = if args.json {
        match serde_json::to_string_pretty(&entries) {
            Ok(text) => text + "\n",
            Err(e) => return fail(1, format!("cannot print the guide as JSON: {e}")),
        }
    } else {
        let mut text = guide::render(&entries, lang).join("\n");
        text.push('\n');
        text
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        // The reader stopped early (`kiosk guide | head`): nothing is wrong with the guide.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => fail(1, format!("cannot write the guide: {e}")),
    }
}

/// The named file (which must load), else the default file if it exists, else the defaults.
fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    match path {
        Some(p) => Config::load(p),
        None if Path::new(DEFAULT_PATH).exists() => Config::load(DEFAULT_PATH),
        None => Ok(Config::default()),
    }
}

fn parse_language(s: &str) -> Result<Language, String> {
    match s {
        "zh-CN" | "zh-cn" | "zh" => Ok(Language::ZhCn),
        "ug" => Ok(Language::Ug),
        "en" => Ok(Language::En),
        other => Err(format!("unknown language {other:?}: use zh-CN, ug or en")),
    }
}
