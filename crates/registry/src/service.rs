//! The registry's operations: each one checks who may do it, checks the
//! state machine, and commits the events with the state they produce.

use std::sync::Arc;

use jiff::Span;
use jiff::civil::Date;
use starmark_checklist::Encoding;
use starmark_criteria::{CatalogSet, Level, VersionRef};

use crate::auth::{Actor, OrgKind, Organization, Role, Secret, TokenRecord, hash_token, random_id};
use crate::clock::Clock;
use crate::error::{ErrorKind, RegistryError};
use crate::event::{Event, EventKind, NewEvent, Subject};
use crate::label_id::LabelId;
use crate::model::{
    AppStatus, ApplicationState, InquiryOutcome, LabelState, LabelStatus, ProblemRecord, PublicRecord, SecurityInfo,
    apply_application, apply_label,
};
use crate::store::{Commit, LabelQuery, Page, Store, Versioned, Write};
use crate::transparency::LogView;
use starmark_tlog::note::Signer;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub org: String,
    pub role: Role,
}

impl Principal {
    fn actor(&self) -> Actor {
        Actor { org: self.org.clone(), role: self.role.into() }
    }

    fn require(&self, role: Role, what: &str) -> Result<(), RegistryError> {
        if self.role == role {
            Ok(())
        } else {
            Err(RegistryError::forbidden(format!("only a {} token may {what}", role.id())))
        }
    }
}

/// What a laboratory submits with its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSubmission {
    pub report_id: String,
    pub issued_on: Date,
    pub criteria: VersionRef,
    /// Whether the report concludes conformity.
    pub conforms: bool,
    /// Lowercase hex SHA-256 of the report document.
    pub sha256: String,
    pub summary: starmark_checklist::Localized,
}

/// How many times an operation re-reads and retries after losing a race.
const RETRIES: usize = 8;

#[derive(Debug, Clone)]
pub struct Registry {
    store: Arc<dyn Store>,
    catalogs: Arc<CatalogSet>,
    clock: Arc<dyn Clock>,
    /// None: this registry administers organizations and tokens only and
    /// cannot write label events (they must all be signed).
    log: Option<Arc<LogView>>,
}

fn id_error(e: getrandom::Error) -> RegistryError {
    RegistryError::new(ErrorKind::Unavailable, format!("no randomness available: {e}"))
}

impl Registry {
    /// A registry without a log key: it can administer organizations and
    /// tokens, and refuses anything that writes a label event. Give it the
    /// key with [`Registry::with_log_key`].
    pub fn new(store: Arc<dyn Store>, catalogs: Arc<CatalogSet>, clock: Arc<dyn Clock>) -> Registry {
        Registry { store, catalogs, clock, log: None }
    }

    /// `signer` is the registry's log key: it signs every label event and
    /// every checkpoint ([`crate::transparency`]). Its name is the log's origin.
    pub fn with_log_key(mut self, signer: Signer) -> Registry {
        self.log = Some(LogView::new(signer));
        self
    }

    pub(crate) fn clock_ref(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The transparency log as this registry sees it.
    pub fn log(&self) -> Result<&LogView, RegistryError> {
        self.log.as_deref().ok_or_else(|| {
            RegistryError::new(ErrorKind::Unavailable, "this registry runs without a log key, so it has no log")
        })
    }

    /// Records the signing key in the key history (idempotent). The server
    /// calls it on start, so a new key is published before it signs.
    pub async fn publish_log_key(&self) -> Result<(), RegistryError> {
        let key = self.log()?.signer().verifier_key();
        Ok(self.store.record_log_key(&key, self.clock.now()).await?)
    }

    /// Catches the log up with the store; returns its size.
    pub async fn log_size(&self) -> Result<u64, RegistryError> {
        Ok(self.log()?.sync(self.store.as_ref()).await?)
    }

    /// Signs a statement for every label event of `commit`, from the label
    /// state the commit writes, and adds the leaves to it.
    fn sign_label_events(&self, commit: &mut Commit) -> Result<(), RegistryError> {
        for (i, e) in commit.events.iter().enumerate() {
            let Subject::Label(id) = &e.subject else { continue };
            let state = commit.labels.iter().find(|w| w.state.id == *id).ok_or_else(|| {
                RegistryError::new(ErrorKind::Unavailable, format!("a label event for {id} without its label state"))
            })?;
            let append = self.log()?.append(i, e, &state.state)?;
            commit.log.push(append);
        }
        Ok(())
    }

    async fn commit(&self, mut commit: Commit) -> Result<Vec<Event>, crate::store::StoreError> {
        self.sign_label_events(&mut commit).map_err(|e| crate::store::StoreError::Unavailable(e.message))?;
        self.store.commit(commit).await
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn catalogs(&self) -> &CatalogSet {
        &self.catalogs
    }

    pub fn today(&self) -> Date {
        self.clock.today()
    }

    fn event(&self, actor: Actor, subject: Subject, reason: Option<String>, kind: EventKind) -> NewEvent {
        NewEvent { at: self.clock.now(), actor, subject, reason, kind }
    }

    // ------------------------------------------------------------------ organizations and tokens

    /// Adds an organization. Administration happens on the server's own
    /// machine (`starmark admin`) or with an admin token.
    pub async fn add_org(
        &self,
        kind: OrgKind,
        name: &str,
        accreditation: Option<String>,
    ) -> Result<Organization, RegistryError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(starmark_checklist::forbidden_char) {
            return Err(RegistryError::invalid("an organization needs a name of 1 to 200 characters", Vec::new()));
        }
        let org = Organization { id: random_id("org").map_err(id_error)?, kind, name: name.to_string(), accreditation };
        self.store.insert_org(&org).await?;
        Ok(org)
    }

    /// Issues a token; the secret is returned once and never stored.
    pub async fn issue_token(&self, org_id: &str, role: Role, label: &str) -> Result<Secret, RegistryError> {
        let org = self
            .store
            .org(org_id)
            .await?
            .ok_or_else(|| RegistryError::not_found(format!("no organization `{org_id}`")))?;
        if !org.kind.allows(role) {
            return Err(RegistryError::invalid(
                format!("a {} organization cannot hold a {} token", org.kind.id(), role.id()),
                Vec::new(),
            ));
        }
        let secret = Secret::generate().map_err(id_error)?;
        self.store
            .insert_token(&TokenRecord { hash: secret.hash(), org: org.id, role, label: label.to_string() })
            .await?;
        Ok(secret)
    }

    pub async fn authenticate(&self, token: &str) -> Result<Principal, RegistryError> {
        let rec = self
            .store
            .token(&hash_token(token))
            .await?
            .ok_or_else(|| RegistryError::new(ErrorKind::Unauthenticated, "the token is not valid"))?;
        Ok(Principal { org: rec.org, role: rec.role })
    }

    // ------------------------------------------------------------------ applications

    /// Submits a checklist. It is format-checked at once: a checklist that
    /// cannot be read is refused with its problem and nothing is stored; one
    /// that fails the check is kept as `returned` with every problem.
    pub async fn submit(
        &self,
        p: &Principal,
        checklist: &[u8],
        hint: Option<Encoding>,
    ) -> Result<ApplicationState, RegistryError> {
        self.submit_inner(p, checklist, hint, None).await
    }

    /// Renewal: a new self-declaration for an existing label.
    pub async fn renew(
        &self,
        p: &Principal,
        label: LabelId,
        checklist: &[u8],
        hint: Option<Encoding>,
    ) -> Result<ApplicationState, RegistryError> {
        let l = self.own_label(p, label).await?;
        if l.state.revoked.is_some() {
            return Err(RegistryError::conflict(format!("{label} is revoked; apply for a new label instead")));
        }
        self.submit_inner(p, checklist, hint, Some(label)).await
    }

    async fn submit_inner(
        &self,
        p: &Principal,
        bytes: &[u8],
        hint: Option<Encoding>,
        renewal_of: Option<LabelId>,
    ) -> Result<ApplicationState, RegistryError> {
        p.require(Role::Vendor, "submit an application")?;
        let doc = starmark_checklist::parse(bytes, hint).map_err(|e| {
            RegistryError::invalid(
                format!("the checklist could not be read: {e}"),
                vec![ProblemRecord {
                    severity: "error".into(),
                    code: e.kind.code().into(),
                    pointer: e.path.as_ref().map(|x| x.pointer()).unwrap_or_default(),
                    message: e.message.clone(),
                    help: e.help.clone(),
                }],
            )
        })?;
        let c = &doc.checklist;
        let report = starmark_checklist::check(c, &self.catalogs, self.today());
        let mut problems: Vec<ProblemRecord> = report.problems.iter().map(ProblemRecord::from).collect();
        if let Some(label) = renewal_of
            && c.level != Some(label.level)
        {
            problems.push(ProblemRecord {
                severity: "error".into(),
                code: "renewal-level-mismatch".into(),
                pointer: "/level".into(),
                message: format!("{label} is a {} label; a renewal declares the same level", label.level),
                help: format!("set level = \"{}\"", label.level.id()),
            });
        }
        let passed = !problems.iter().any(|x| x.severity == "error");
        let third_party = c
            .level
            .and_then(|l| self.catalogs.scheme.level(l))
            .is_some_and(|l| l.assessment == starmark_criteria::Assessment::ThirdPartyCertification);
        let id = random_id("app").map_err(id_error)?;
        let subject = Subject::Application(id);
        let checklist =
            serde_json::to_value(c).map_err(|e| RegistryError::new(ErrorKind::Unavailable, e.to_string()))?;
        let events = vec![
            self.event(
                p.actor(),
                subject.clone(),
                None,
                EventKind::ApplicationSubmitted {
                    vendor: p.org.clone(),
                    level: c.level,
                    criteria: VersionRef { catalog: c.criteria.catalog.clone(), version: c.criteria.version.clone() },
                    checklist,
                    renewal_of,
                    third_party,
                },
            ),
            self.event(Actor::system(), subject, None, EventKind::FormatChecked { passed, problems }),
        ];
        let state = fold_app(None, &events)?;
        self.commit(Commit {
            events,
            applications: vec![Write { state: state.clone(), expected: None }],
            labels: vec![],
            log: vec![],
        })
        .await?;
        Ok(state)
    }

    /// An application, to its vendor and to the scheme owner's staff.
    pub async fn application(&self, p: &Principal, id: &str) -> Result<ApplicationState, RegistryError> {
        Ok(self.visible_app(p, id).await?.state)
    }

    async fn visible_app(&self, p: &Principal, id: &str) -> Result<Versioned<ApplicationState>, RegistryError> {
        let not_found =
            || RegistryError::not_found(format!("no application `{}`", id.chars().take(80).collect::<String>()));
        let app = self.store.application(id).await?.ok_or_else(not_found)?;
        let allowed = p.role.is_owner()
            || (p.role == Role::Vendor && app.state.vendor == p.org)
            || (p.role == Role::Lab && app.state.third_party && self.lab_designated(p, &app.state).await?);
        // Another vendor's application is reported as absent, not as forbidden.
        if allowed { Ok(app) } else { Err(not_found()) }
    }

    /// Whether the application names this laboratory (by its accreditation)
    /// as its evaluator.
    async fn lab_designated(&self, p: &Principal, app: &ApplicationState) -> Result<bool, RegistryError> {
        let Some(org) = self.store.org(&p.org).await? else { return Ok(false) };
        let named =
            app.checklist.get("evaluator").and_then(|e| e.get("accreditation")).and_then(|a| a.as_str()).map(str::trim);
        Ok(
            matches!((org.accreditation.as_deref().map(str::trim), named), (Some(a), Some(b)) if !a.is_empty() && a == b),
        )
    }

    pub async fn application_events(&self, p: &Principal, id: &str) -> Result<Vec<Event>, RegistryError> {
        self.visible_app(p, id).await?;
        Ok(self.store.events_of(&Subject::Application(id.to_string())).await?)
    }

    /// Records the supply-chain inquiry's outcome (liaison).
    pub async fn record_inquiry(
        &self,
        p: &Principal,
        id: &str,
        outcome: InquiryOutcome,
        note: &str,
    ) -> Result<ApplicationState, RegistryError> {
        p.require(Role::Liaison, "record an inquiry outcome")?;
        free_text("/note", "", note, false)?;
        self.app_transition(p, id, None, |s| match s.status {
            AppStatus::AwaitingInquiry => Ok(EventKind::InquiryRecorded { outcome, note: note.to_string() }),
            other => Err(RegistryError::conflict(format!("the application is {}; no inquiry is pending", other.id()))),
        })
        .await
    }

    /// Attaches an accredited laboratory's evaluation report to a STAR-3/4
    /// application (lab). The report must conclude conformity against a
    /// criteria version of the application's level and category that
    /// accepts applications.
    pub async fn attach_report(
        &self,
        p: &Principal,
        id: &str,
        r: ReportSubmission,
    ) -> Result<ApplicationState, RegistryError> {
        let ReportSubmission { report_id, issued_on, criteria, conforms, sha256, summary } = r;
        let (report_id, sha256) = (report_id.as_str(), sha256.as_str());
        p.require(Role::Lab, "attach an evaluation report")?;
        let org = self
            .store
            .org(&p.org)
            .await?
            .ok_or_else(|| RegistryError::forbidden("the laboratory is not registered"))?;
        let Some(accreditation) = org.accreditation.clone().filter(|a| !a.trim().is_empty()) else {
            return Err(RegistryError::forbidden(
                "only an accredited laboratory (ISO/IEC 17025) may attach an evaluation report",
            ));
        };
        let invalid = |pointer: &str, message: String, help: &str| {
            RegistryError::invalid(
                message.clone(),
                vec![ProblemRecord {
                    severity: "error".into(),
                    code: "invalid-report".into(),
                    pointer: pointer.into(),
                    message,
                    help: help.into(),
                }],
            )
        };
        if report_id.trim().is_empty()
            || report_id.chars().count() > 200
            || report_id.chars().any(starmark_checklist::forbidden_char)
        {
            return Err(invalid(
                "/report_id",
                "the report ID must be 1 to 200 visible characters".into(),
                "give the laboratory's report number",
            ));
        }
        if !(sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))) {
            return Err(invalid(
                "/sha256",
                "sha256 must be 64 lowercase hexadecimal characters".into(),
                "compute it with `sha256sum REPORT.pdf`",
            ));
        }
        if issued_on > self.today() {
            return Err(invalid(
                "/issued_on",
                format!("the report is dated {issued_on}, after today"),
                "give the report's issue date",
            ));
        }
        if !conforms {
            return Err(invalid(
                "/result",
                "the report does not conclude conformity; such a product cannot be certified".into(),
                "attach a report that concludes conformity",
            ));
        }
        for (pointer, t) in [("/summary/ja", &summary.ja), ("/summary/en", &summary.en)] {
            free_text(pointer, "", t.as_deref().unwrap_or_default(), false)?;
        }
        let report = crate::model::EvaluationReport {
            report_id: report_id.trim().to_string(),
            lab: org.name,
            accreditation,
            issued_on,
            criteria: criteria.clone(),
            sha256: sha256.to_string(),
            summary,
        };
        let catalog = self.catalogs.catalog(&criteria.catalog, &criteria.version).cloned();
        let today = self.today();
        self.app_transition(p, id, None, |s| {
            if s.status != AppStatus::AwaitingReport {
                return Err(RegistryError::conflict(format!(
                    "the application is {}; it does not await a report",
                    s.status.id()
                )));
            }
            let Some(k) = &catalog else {
                return Err(RegistryError::invalid(format!("there is no criteria catalog {criteria}"), Vec::new()));
            };
            let category = s.checklist.get("category").and_then(|c| c.as_str());
            if k.catalog.level != s.level || (k.catalog.category.is_some() && k.catalog.category.as_deref() != category)
            {
                return Err(RegistryError::invalid(
                    format!("{criteria} is not the criteria of this application's level and category"),
                    Vec::new(),
                ));
            }
            if !k.accepts_applications_on(today) {
                return Err(RegistryError::invalid(format!("{criteria} no longer accepts applications"), Vec::new()));
            }
            Ok(EventKind::ReportAttached { report: report.clone() })
        })
        .await
    }

    /// Refuses an application (reviewer).
    pub async fn refuse(&self, p: &Principal, id: &str, reason: &str) -> Result<ApplicationState, RegistryError> {
        p.require(Role::Reviewer, "refuse an application")?;
        free_text("/reason", "a refusal needs a reason", reason, true)?;
        self.app_transition(p, id, Some(reason.to_string()), |s| {
            if s.status.is_final() {
                Err(RegistryError::conflict(format!("the application is already {}", s.status.id())))
            } else {
                Ok(EventKind::ApplicationRefused { reason: reason.to_string() })
            }
        })
        .await
    }

    async fn app_transition(
        &self,
        p: &Principal,
        id: &str,
        reason: Option<String>,
        decide: impl Fn(&ApplicationState) -> Result<EventKind, RegistryError>,
    ) -> Result<ApplicationState, RegistryError> {
        for _ in 0..RETRIES {
            let cur = self.visible_app(p, id).await?;
            let kind = decide(&cur.state)?;
            let events = vec![self.event(p.actor(), Subject::Application(id.to_string()), reason.clone(), kind)];
            let next = fold_app(Some(cur.state), &events)?;
            match self
                .commit(Commit {
                    events,
                    applications: vec![Write { state: next.clone(), expected: Some(cur.version) }],
                    labels: vec![],
                    log: vec![],
                })
                .await
            {
                Ok(_) => return Ok(next),
                Err(crate::store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RegistryError::conflict("the application kept changing; try again"))
    }

    /// Grants the label (reviewer): a new label, or the renewal of the label
    /// the application renews. Exactly one label results however many
    /// grants race.
    pub async fn grant(&self, p: &Principal, id: &str) -> Result<LabelState, RegistryError> {
        p.require(Role::Reviewer, "grant a label")?;
        for _ in 0..RETRIES {
            let cur = self.visible_app(p, id).await?;
            let app = &cur.state;
            match app.status {
                AppStatus::InquiryCleared | AppStatus::InquiryConcern => {}
                AppStatus::Granted => {
                    let l = app.label.map(|l| l.to_string()).unwrap_or_default();
                    return Err(RegistryError::conflict(format!("the application was already granted as {l}")));
                }
                other => {
                    return Err(RegistryError::conflict(format!(
                        "the application is {}; it cannot be granted",
                        other.id()
                    )));
                }
            }
            let checklist: starmark_checklist::Checklist = serde_json::from_value(app.checklist.clone())
                .map_err(|e| RegistryError::new(ErrorKind::Unavailable, format!("stored checklist unreadable: {e}")))?;
            let level = app.level.ok_or_else(|| RegistryError::conflict("the application names no level"))?;
            let today = self.today();
            let expires_on = self.expiry(level, checklist.requested_validity_months, today)?;
            let public = PublicRecord::from_checklist(&checklist);
            let (label_write, label_event) = match app.renewal_of {
                None => {
                    let year = u16::try_from(today.year()).unwrap_or(0);
                    let seq = self.store.next_label_seq(level, year).await?;
                    let label = LabelId::new(level, year, seq);
                    let status_list_index = Some(self.store.next_status_list_index().await?);
                    let ev = self.event(
                        p.actor(),
                        Subject::Label(label),
                        None,
                        EventKind::LabelGranted {
                            application: app.id.clone(),
                            vendor: app.vendor.clone(),
                            level,
                            criteria: app.criteria.clone(),
                            category: checklist.category.clone(),
                            issued_on: today,
                            expires_on,
                            public,
                            report: app.report.clone(),
                            status_list_index,
                        },
                    );
                    let state = fold_label(None, std::slice::from_ref(&ev))?;
                    (Write { state, expected: None }, ev)
                }
                Some(label) => {
                    let cur_label = self
                        .store
                        .label(label)
                        .await?
                        .ok_or_else(|| RegistryError::not_found(format!("no label {label}")))?;
                    let ev = self.event(
                        p.actor(),
                        Subject::Label(label),
                        None,
                        EventKind::LabelRenewed {
                            application: app.id.clone(),
                            criteria: app.criteria.clone(),
                            renewed_on: today,
                            expires_on,
                            public,
                            report: app.report.clone(),
                        },
                    );
                    let state = fold_label(Some(cur_label.state), std::slice::from_ref(&ev))?;
                    (Write { state, expected: Some(cur_label.version) }, ev)
                }
            };
            let label = label_write.state.id;
            let app_events = vec![self.event(
                p.actor(),
                Subject::Application(app.id.clone()),
                None,
                EventKind::ApplicationGranted { label },
            )];
            let next_app = fold_app(Some(cur.state.clone()), &app_events)?;
            let mut events = app_events;
            events.push(label_event);
            let commit = Commit {
                events,
                applications: vec![Write { state: next_app, expected: Some(cur.version) }],
                labels: vec![label_write.clone()],
                log: vec![],
            };
            match self.commit(commit).await {
                Ok(_) => return Ok(label_write.state),
                Err(crate::store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RegistryError::conflict("the application kept changing; try again"))
    }

    /// Last valid day of a label granted on `day`.
    fn expiry(&self, level: Level, requested: Option<u32>, day: Date) -> Result<Date, RegistryError> {
        let max = self.catalogs.scheme.level(level).map(|l| l.validity_max_months).unwrap_or(24);
        let months = requested.map_or(max, |r| r.clamp(1, max));
        last_day_of_months(day, months)
            .map_err(|e| RegistryError::new(ErrorKind::Invalid, format!("cannot compute the expiry date: {e}")))
    }

    // ------------------------------------------------------------------ labels

    /// A label's public record.
    pub async fn label(&self, id: LabelId) -> Result<LabelState, RegistryError> {
        Ok(self.store.label(id).await?.ok_or_else(|| RegistryError::not_found(format!("no label {id}")))?.state)
    }

    pub async fn labels(&self, mut q: LabelQuery) -> Result<Page<LabelState>, RegistryError> {
        q.limit = q.limit.clamp(1, 200);
        // Control characters can never match stored text (the format check
        // refuses them) and some databases reject them outright.
        q.q = q.q.map(|s| s.chars().filter(|c| !c.is_control()).take(200).collect());
        q.model = q.model.map(|s| s.chars().filter(|c| !c.is_control()).take(200).collect());
        if q.model.as_deref().is_some_and(|m| m.trim().is_empty()) {
            // No model number is blank; without this it would match everything.
            return Ok(Page { items: Vec::new(), total: 0 });
        }
        q.today = self.today();
        Ok(self.store.labels(&q).await?)
    }

    /// A label's public history.
    pub async fn label_events(&self, id: LabelId) -> Result<Vec<Event>, RegistryError> {
        self.label(id).await?;
        Ok(self.store.events_of(&Subject::Label(id)).await?)
    }

    async fn own_label(&self, p: &Principal, id: LabelId) -> Result<Versioned<LabelState>, RegistryError> {
        let l = self.store.label(id).await?.ok_or_else(|| RegistryError::not_found(format!("no label {id}")))?;
        if p.role != Role::Vendor || l.state.vendor != p.org {
            return Err(RegistryError::forbidden(format!("only the vendor holding {id} may do this")));
        }
        Ok(l)
    }

    /// Revokes a label on one of the scheme's grounds, with a public statement (reviewer).
    pub async fn revoke(
        &self,
        p: &Principal,
        id: LabelId,
        ground: &str,
        statement: &str,
    ) -> Result<LabelState, RegistryError> {
        p.require(Role::Reviewer, "revoke a label")?;
        if self.catalogs.scheme.revocation_ground(ground).is_none() {
            let ids: Vec<&str> = self.catalogs.scheme.revocation_grounds.iter().map(|g| g.id.as_str()).collect();
            return Err(RegistryError::invalid(
                format!("unknown revocation ground `{ground}`; use one of: {}", ids.join(", ")),
                Vec::new(),
            ));
        }
        free_text("/statement", "a revocation needs a public statement", statement, true)?;
        self.label_transition(id, p.actor(), |_| {
            Ok(EventKind::LabelRevoked { ground: ground.to_string(), statement: statement.to_string() })
        })
        .await
    }

    /// The vendor reports a change of the security specification; the label is revoked.
    ///
    /// `evidence` is the SHA-256 of the manifest of the evidence bundle the
    /// vendor keeps for the changed product, if it has one.
    pub async fn report_change(
        &self,
        p: &Principal,
        id: LabelId,
        description: &str,
        evidence: Option<&str>,
    ) -> Result<LabelState, RegistryError> {
        self.own_label(p, id).await?;
        free_text("/description", "describe the change", description, true)?;
        if let Some(d) = evidence
            && !(d.len() == 64 && d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            let message = "evidence_manifest_sha256 must be 64 lowercase hex digits".to_string();
            return Err(RegistryError::invalid(
                message.clone(),
                vec![ProblemRecord {
                    severity: "error".into(),
                    code: "evidence-bundle-malformed".into(),
                    pointer: "/evidence_manifest_sha256".into(),
                    message,
                    help: "give the SHA-256 of the bundle's manifest.json, as `starmark evidence verify DIR` prints it"
                        .into(),
                }],
            ));
        }
        let kind = EventKind::ChangeReported {
            description: description.to_string(),
            evidence_manifest_sha256: evidence.map(str::to_string),
        };
        self.label_transition(id, p.actor(), |_| Ok(kind.clone())).await
    }

    /// The vendor updates the security information on the product page.
    pub async fn update_security_info(
        &self,
        p: &Principal,
        id: LabelId,
        info: SecurityInfo,
    ) -> Result<LabelState, RegistryError> {
        self.own_label(p, id).await?;
        self.label_transition(id, p.actor(), |_| Ok(EventKind::SecurityInfoUpdated { info: info.clone() })).await
    }

    async fn label_transition(
        &self,
        id: LabelId,
        actor: Actor,
        decide: impl Fn(&LabelState) -> Result<EventKind, RegistryError>,
    ) -> Result<LabelState, RegistryError> {
        for _ in 0..RETRIES {
            let cur = self.store.label(id).await?.ok_or_else(|| RegistryError::not_found(format!("no label {id}")))?;
            if cur.state.revoked.is_some() {
                return Err(RegistryError::conflict(format!("{id} is revoked")));
            }
            let kind = decide(&cur.state)?;
            let events = vec![self.event(actor.clone(), Subject::Label(id), None, kind)];
            let next = fold_label(Some(cur.state), &events)?;
            match self
                .commit(Commit {
                    events,
                    applications: vec![],
                    labels: vec![Write { state: next.clone(), expected: Some(cur.version) }],
                    log: vec![],
                })
                .await
            {
                Ok(_) => return Ok(next),
                Err(crate::store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RegistryError::conflict("the label kept changing; try again"))
    }

    /// Writes an expiry event for every label past its last valid day.
    /// The status reads as expired without it; this puts it in the log.
    pub async fn record_expiries(&self) -> Result<usize, RegistryError> {
        let today = self.today();
        let mut n = 0;
        loop {
            let due = self.store.unrecorded_expiries(today, 100).await?;
            if due.is_empty() {
                return Ok(n);
            }
            for l in due {
                let ev = vec![self.event(
                    Actor::system(),
                    Subject::Label(l.state.id),
                    None,
                    EventKind::LabelExpired { on: l.state.expires_on },
                )];
                let next = fold_label(Some(l.state), &ev)?;
                match self
                    .commit(Commit {
                        events: ev,
                        applications: vec![],
                        labels: vec![Write { state: next, expected: Some(l.version) }],
                        log: vec![],
                    })
                    .await
                {
                    Ok(_) => n += 1,
                    // Someone else recorded it (or renewed) meanwhile.
                    Err(crate::store::StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }

    /// Status of a label today.
    pub fn status(&self, l: &LabelState) -> LabelStatus {
        l.status_on(self.today())
    }
}

fn seq_events(events: &[NewEvent]) -> Vec<Event> {
    events.iter().map(|e| Event { seq: 0, event: e.clone() }).collect()
}

fn fold_app(start: Option<ApplicationState>, events: &[NewEvent]) -> Result<ApplicationState, RegistryError> {
    let mut s = start;
    for e in seq_events(events) {
        s = Some(apply_application(s, &e).map_err(|f| RegistryError::conflict(f.to_string()))?);
    }
    s.ok_or_else(|| RegistryError::conflict("no events"))
}

fn fold_label(start: Option<LabelState>, events: &[NewEvent]) -> Result<LabelState, RegistryError> {
    let mut s = start;
    for e in seq_events(events) {
        s = Some(apply_label(s, &e).map_err(|f| RegistryError::conflict(f.to_string()))?);
    }
    s.ok_or_else(|| RegistryError::conflict("no events"))
}

/// Checks a free text a person typed that the registry keeps and may
/// publish (a revocation statement, a change description, a refusal
/// reason, an inquiry note): present if `required` (`missing` says what is
/// missing), at most [`starmark_checklist::MAX_TEXT_CHARS`] characters, and
/// no control characters or bidirectional overrides — they would break the
/// Atom feed's XML, some databases refuse them, and an override can make a
/// public statement read differently from what was written.
fn free_text(pointer: &str, missing: &str, text: &str, required: bool) -> Result<(), RegistryError> {
    let problem = |message: String, help: &str| {
        RegistryError::invalid(
            message.clone(),
            vec![ProblemRecord {
                severity: "error".into(),
                code: "text-invalid".into(),
                pointer: pointer.into(),
                message,
                help: help.into(),
            }],
        )
    };
    if required && text.trim().is_empty() {
        return Err(problem(missing.to_string(), "write it in a sentence or two"));
    }
    let chars = text.chars().count();
    if chars > starmark_checklist::MAX_TEXT_CHARS {
        return Err(problem(
            format!("{pointer} is {chars} characters long; at most {} are kept", starmark_checklist::MAX_TEXT_CHARS),
            "shorten it; keep long documents with the evidence and refer to them",
        ));
    }
    if let Some(c) = text.chars().find(|c| starmark_checklist::forbidden_char(*c)) {
        return Err(problem(
            format!("{pointer} contains the control or direction character U+{:04X}", u32::from(c)),
            "remove control characters and bidirectional overrides; line breaks and tabs are fine",
        ));
    }
    Ok(())
}

/// The last day of a period of `months` months that starts on `day` (the
/// first day counts), as the Civil Code counts months (art. 143): the day
/// before the day of the last month that corresponds to `day` — and when
/// that month has no such day (a period from 31 March, or from 29
/// February), the last day of that month.
fn last_day_of_months(day: Date, months: u32) -> Result<Date, jiff::Error> {
    let corresponding = day.checked_add(Span::new().months(i64::from(months)))?;
    if corresponding.day() == day.day() {
        corresponding.checked_sub(Span::new().days(1))
    } else {
        // jiff has moved a missing day back to the month's last one.
        Ok(corresponding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_end_as_the_civil_code_counts_months() {
        let d = |y, m, dd| jiff::civil::date(y, m, dd);
        for (start, months, last) in [
            (d(2026, 4, 15), 24, d(2028, 4, 14)),
            (d(2026, 3, 1), 6, d(2026, 8, 31)),
            (d(2026, 1, 1), 12, d(2026, 12, 31)),
            // No corresponding day: the month's last day, not the day before it.
            (d(2028, 2, 29), 24, d(2030, 2, 28)),
            (d(2026, 3, 31), 6, d(2026, 9, 30)),
            (d(2027, 1, 31), 1, d(2027, 2, 28)),
            (d(2028, 1, 31), 1, d(2028, 2, 29)),
            (d(2026, 8, 31), 1, d(2026, 9, 30)),
            // The corresponding day exists: the day before it.
            (d(2028, 1, 29), 1, d(2028, 2, 28)),
            (d(2026, 1, 28), 1, d(2026, 2, 27)),
            (d(2028, 2, 29), 48, d(2032, 2, 28)),
        ] {
            assert_eq!(last_day_of_months(start, months).unwrap(), last, "{start} + {months} months");
        }
    }
}
