"""The dashboard's words in Danish, English and German, and Babel's number and date formats."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from metrics.definitions import BY_NAME
from metrics.suppression import small_figure

LANGUAGES = ("da", "en", "de")
DEFAULT_LANGUAGE = "da"
LOCALES = {"da": "da_DK", "en": "en_GB", "de": "de_DE"}
SMALL_GROUP = 5  # counts below this are shown as "<5" where other teams' people could be told apart

TEXT: dict[str, tuple[str, str, str]] = {
    # key: (da, en, de)
    "product": ("Overblik", "Overblik", "Overblik"),
    "tagline": ("Produktionsstyring – månedens milepæle i realtid",
                "Production steering – the month's milestones in real time",
                "Produktionssteuerung – die Meilensteine des Monats in Echtzeit"),
    "sign_in": ("Log ind", "Sign in", "Anmelden"),
    "sign_out": ("Log ud", "Sign out", "Abmelden"),
    "username": ("Brugernavn", "Username", "Benutzername"),
    "password": ("Adgangskode", "Password", "Passwort"),
    "sign_in_failed": ("Forkert brugernavn eller adgangskode.", "Wrong username or password.",
                       "Falscher Benutzername oder falsches Passwort."),
    "sign_in_throttled": ("For mange forkerte forsøg. Prøv igen om 15 minutter.",
                          "Too many failed attempts. Try again in 15 minutes.",
                          "Zu viele Fehlversuche. Bitte in 15 Minuten erneut versuchen."),
    "signed_in_as": ("Logget ind som", "Signed in as", "Angemeldet als"),
    "nav_caseload": ("Min sagsstamme", "My caseload", "Meine Fälle"),
    "nav_team": ("Teamstyring", "Team steering", "Teamsteuerung"),
    "nav_benchmarking": ("Benchmarking", "Benchmarking", "Benchmarking"),
    "nav_wall": ("Vægskærm", "Wall screen", "Wandbildschirm"),
    "nav_talk": ("Sagsstammesamtale", "Caseload talk", "Fallgespräch"),
    "nav_users": ("Brugere", "Users", "Benutzer"),
    "forbidden": ("Du har ikke adgang til denne visning.", "You do not have access to this view.",
                  "Sie haben keinen Zugriff auf diese Ansicht."),
    "not_found": ("Siden findes ikke.", "There is no such page.", "Diese Seite gibt es nicht."),
    "as_of": ("Opdateret", "As of", "Stand"),
    "live": ("Live", "Live", "Live"),
    "month": ("Måned", "Month", "Monat"),
    "team": ("Team", "Team", "Team"),
    "worker": ("Medarbejder", "Worker", "Mitarbeiter/in"),
    "from_month": ("Fra måned", "From month", "Von Monat"),
    "to_month": ("Til måned", "To month", "Bis Monat"),
    "metric": ("Nøgletal", "Figure", "Kennzahl"),
    "target": ("Mål", "Target", "Ziel"),
    "no_target": ("Intet mål", "No target", "Kein Ziel"),
    "team_target": ("Teamets mål", "Team target", "Teamziel"),
    "team_figure": ("Teamet", "Team", "Team"),
    "status": ("Status", "Status", "Status"),
    "on_track": ("På sporet", "On track", "Im Plan"),
    "at_risk": ("I risiko", "At risk", "Gefährdet"),
    "behind": ("Bagud", "Behind", "Im Rückstand"),
    "trend_up": ("Op fra sidste måned", "Up from last month", "Mehr als im Vormonat"),
    "trend_down": ("Ned fra sidste måned", "Down from last month", "Weniger als im Vormonat"),
    "trend_flat": ("Som sidste måned", "Same as last month", "Wie im Vormonat"),
    "caseload_heading": ("Sagsstamme mod norm", "Caseload against its norm", "Fallzahl gegen die Norm"),
    "norm": ("Norm", "Norm", "Norm"),
    "no_norm": ("Ingen norm", "No norm", "Keine Norm"),
    "above_norm": ("Over normen", "Above the norm", "Über der Norm"),
    "within_norm": ("Inden for normen", "Within the norm", "Innerhalb der Norm"),
    "below_norm": ("Under normen", "Below the norm", "Unter der Norm"),
    "my_figures": ("Mine tal i", "My figures in", "Meine Zahlen im"),
    "case_board": ("Sagsoversigt", "Case board", "Fallübersicht"),
    "filters": ("Filtre", "Filters", "Filter"),
    "filter_no_cv": ("Uden CV", "No CV", "Ohne Lebenslauf"),
    "filter_in_placement": ("I virksomhedsforløb", "In placement", "Im Praktikum"),
    "filter_overdue": ("Opfølgning overskredet", "Follow-up overdue", "Nachbetreuung überfällig"),
    "filter_waiting": ("Venter på virksomhedskonsulent", "Waiting for a company consultant",
                       "Wartet auf Betriebsberater"),
    "all_readiness": ("Alle parathedsniveauer", "Every readiness level", "Jede Arbeitsmarktnähe"),
    "cases_shown": ("sager vist", "cases shown", "Fälle angezeigt"),
    "col_citizen": ("Borger", "Citizen", "Person"),
    "col_case": ("Sag", "Case", "Fall"),
    "col_roles": ("Min rolle", "My role", "Meine Rolle"),
    "col_others": ("Andre på sagen", "Others on the case", "Weitere im Fall"),
    "col_days": ("Dage", "Days", "Tage"),
    "col_cv": ("CV", "CV", "Lebenslauf"),
    "col_readiness": ("Parathed", "Readiness", "Arbeitsmarktnähe"),
    "col_phase": ("Fase", "Phase", "Phase"),
    "col_placement": ("Virksomhedsforløb", "Placement", "Praktikum"),
    "col_follow_up": ("Opfølgning senest", "Follow-up due", "Nachbetreuung fällig"),
    "col_hours": ("Timer (forrige / denne md.)", "Hours (last / this month)", "Stunden (Vor- / dieser Monat)"),
    "overdue": ("Overskredet", "Overdue", "Überfällig"),
    "yes": ("Ja", "Yes", "Ja"),
    "no": ("Nej", "No", "Nein"),
    "none": ("–", "–", "–"),
    "since": ("siden", "since", "seit"),
    "no_cases": ("Ingen sager matcher.", "No case matches.", "Kein Fall passt."),
    "milestones": ("Månedens milepæle", "The month's milestones", "Meilensteine des Monats"),
    "other_figures": ("Øvrige tal", "Other figures", "Weitere Zahlen"),
    "per_worker": ("Pr. medarbejder", "Per worker", "Pro Mitarbeiter/in"),
    "trend_12": ("Seneste 12 måneder", "The last 12 months", "Die letzten 12 Monate"),
    "overdue_list": ("Overskredne opfølgninger", "Overdue follow-ups", "Überfällige Nachbetreuungen"),
    "readiness_mix": ("Parathed", "Readiness", "Arbeitsmarktnähe"),
    "funnel": ("Forløb (kohorte, 12 mdr.)", "Programme cohort (12 months)", "Kohorte (12 Monate)"),
    "drill_hint": ("Klik på et tal for at se sagerne bag det.", "Click a figure to see the cases behind it.",
                   "Klicken Sie auf eine Zahl, um die Fälle dahinter zu sehen."),
    "cases_behind": ("Sagerne bag", "The cases behind", "Die Fälle hinter"),
    "close": ("Luk", "Close", "Schließen"),
    "closed_month": ("Lukket måned", "Closed month", "Abgeschlossener Monat"),
    "closed_at": ("lukket", "closed", "abgeschlossen"),
    "frozen": ("Ved lukning", "When closed", "Beim Abschluss"),
    "now_live": ("Nu", "Now", "Jetzt"),
    "closed_same": ("Tallene er de samme som ved lukningen.", "The figures are as they were when closed.",
                    "Die Zahlen sind wie beim Abschluss."),
    "referred": ("Visiteret", "Referred", "Zugewiesen"),
    "started": ("Startet", "Started", "Begonnen"),
    "completed": ("Gennemført", "Completed", "Abgeschlossen"),
    "scoreboard": ("Rangliste", "Scoreboard", "Rangliste"),
    "side_by_side": ("Teams side om side", "Teams side by side", "Teams im Vergleich"),
    "caseload_spread": ("Sagsstamme pr. medarbejder mod norm", "Caseload per worker against the norm",
                        "Fallzahl pro Mitarbeiter/in gegen die Norm"),
    "over_months": ("over månederne", "over the months", "über die Monate"),
    "small_group_note": ("Tal under 5 vises som \u201c<5\u201d.", "Counts under 5 are shown as \u201c<5\u201d.",
                         "Zahlen unter 5 werden als \u201e<5\u201c angezeigt."),
    "rank": ("Nr.", "Rank", "Rang"),
    "good_stories": ("Gode historier", "Good stories", "Erfolgsgeschichten"),
    "placements_this_month": ("nye virksomhedsforløb denne måned", "placements started this month",
                              "Praktika diesen Monat begonnen"),
    "hours_this_month": ("borgere med ordinære timer", "citizens with ordinary hours",
                         "Personen mit regulären Stunden"),
    "users": ("Brugere", "Users", "Benutzer"),
    "new_user": ("Ny bruger", "New user", "Neuer Benutzer"),
    "role": ("Rolle", "Role", "Rolle"),
    "bound_to": ("Knyttet til", "Bound to", "Zugeordnet"),
    "state": ("Tilstand", "State", "Zustand"),
    "active": ("Aktiv", "Active", "Aktiv"),
    "disabled": ("Spærret", "Disabled", "Gesperrt"),
    "disable": ("Spær", "Disable", "Sperren"),
    "enable": ("Genåbn", "Enable", "Entsperren"),
    "create": ("Opret", "Create", "Anlegen"),
    "created": ("Oprettet", "Created", "Angelegt"),
    "choose": ("Vælg …", "Choose …", "Auswählen …"),
    "role_worker": ("Medarbejder", "Worker", "Mitarbeiter/in"),
    "role_team_lead": ("Teamleder", "Team lead", "Teamleitung"),
    "role_manager": ("Chef", "Manager", "Leitung"),
    "role_admin": ("Administrator", "Administrator", "Administrator/in"),
    "caseworker": ("Sagsbehandler", "Caseworker", "Fallmanager/in"),
    "company_consultant": ("Virksomhedskonsulent", "Company consultant", "Betriebsberater/in"),
    "jobcoach": ("Jobcoach", "Job coach", "Jobcoach"),
    "mentor": ("Mentor", "Mentor", "Mentor/in"),
    "ready": ("Parat", "Ready", "Bereit"),
    "close_to": ("Tæt på", "Close", "Nah dran"),
    "far": ("Længere fra", "Further from", "Weiter entfernt"),
    "unknown": ("Ukendt", "Unknown", "Unbekannt"),
    "talk_heading": ("Sagsstammesamtale med", "Caseload talk with", "Fallgespräch mit"),
    "talk_caseload_months": ("Sagsstamme de seneste 6 måneder", "Caseload over the last 6 months",
                             "Fallzahl der letzten 6 Monate"),
    "by_readiness": ("Sager efter parathed", "Cases by readiness", "Fälle nach Arbeitsmarktnähe"),
    "notes_actions": ("Noter og aftaler", "Notes and agreed actions", "Notizen und Vereinbarungen"),
    "add": ("Tilføj", "Add", "Hinzufügen"),
    "kind_action": ("Aftale", "Action", "Vereinbarung"),
    "kind_note": ("Note", "Note", "Notiz"),
    "open": ("Åben", "Open", "Offen"),
    "done": ("Udført", "Done", "Erledigt"),
    "mark_done": ("Markér udført", "Mark done", "Als erledigt markieren"),
    "print": ("Udskriv", "Print", "Drucken"),
    "language": ("Sprog", "Language", "Sprache"),
    "meeting_pack": ("Mødepakke", "Meeting pack", "Sitzungsunterlage"),
    "download_pack": ("Hent mødepakke (PDF)", "Download the meeting pack (PDF)",
                      "Sitzungsunterlage herunterladen (PDF)"),
    "download_talk": ("Hent som PDF", "Download as PDF", "Als PDF herunterladen"),
    "against_last_month": ("Mod sidste måned", "Against last month", "Gegenüber dem Vormonat"),
    "action_log": ("Aftaler fra styringsmøderne", "Actions agreed in the steering meetings",
                   "Vereinbarungen aus den Steuerungssitzungen"),
    "agreed_by": ("Noteret af", "Recorded by", "Erfasst von"),
    "cases": ("Sager", "Cases", "Fälle"),
    "story_placement_started": ("Virksomhedsforløb startet", "Placement started", "Praktikum begonnen"),
    "story_job": ("I job", "Into a job", "In Arbeit"),
    "story_education": ("I uddannelse", "Into education", "In Ausbildung"),
    "nav_admin": ("Administration", "Administration", "Verwaltung"),
    "teams": ("Teams", "Teams", "Teams"),
    "workers": ("Medarbejdere", "Workers", "Mitarbeitende"),
    "unit": ("Enhed", "Unit", "Einheit"),
    "targets": ("Månedsmål", "Monthly targets", "Monatsziele"),
    "goals": ("Mål for perioder", "Goals over periods", "Ziele über Zeiträume"),
    "norms": ("Normer for sagsstammer", "Caseload norms", "Fallzahl-Normen"),
    "sources": ("Datakilder", "Sources", "Datenquellen"),
    "source": ("Kilde", "Source", "Quelle"),
    "kind": ("Type", "Kind", "Art"),
    "enabled": ("Aktiv", "Enabled", "Aktiv"),
    "last_success": ("Senest hentet", "Last success", "Zuletzt erfolgreich"),
    "events_taken": ("Hændelser hentet", "Events taken", "Ereignisse übernommen"),
    "last_error": ("Seneste fejl", "Last error", "Letzter Fehler"),
    "quarantine": ("Karantæne (afviste hændelser)", "Quarantine (refused events)",
                   "Quarantäne (abgewiesene Ereignisse)"),
    "quarantine_empty": ("Ingen afviste hændelser.", "No refused events.", "Keine abgewiesenen Ereignisse."),
    "received": ("Modtaget", "Received", "Empfangen"),
    "reason": ("Årsag", "Reason", "Grund"),
    "attempts": ("Forsøg", "Attempts", "Versuche"),
    "admin_resubmit_hint": ("Genindsend en hændelse, når årsagen er rettet (fx teamet oprettet); den sendes, som den blev modtaget. "
                            "Den afviste hændelse selv vises ikke: den kan rumme et cpr-nummer.",
                            "Resubmit an event once its reason is fixed (e.g. the team created); it is sent as received. "
                            "The refused event itself is not shown: it may hold a CPR number.",
                            "Ereignis erneut einreichen, wenn der Grund behoben ist (z. B. Team angelegt); es wird so gesendet, "
                            "wie es empfangen wurde. Das abgewiesene Ereignis selbst wird nicht gezeigt: es kann eine "
                            "Personenkennung enthalten."),
    # administration: editing
    "admin_intro": ("Organisation, mål, normer, datakilder, karantæne og adgangsnøgler. Alle ændringer logges.",
                    "Organisation, targets, norms, data sources, quarantine and access tokens. Every change is logged.",
                    "Organisation, Ziele, Normen, Datenquellen, Quarantäne und Zugangsschlüssel. Jede Änderung wird protokolliert."),
    "admin_sections": ("Afsnit", "Sections", "Abschnitte"),
    "save": ("Gem", "Save", "Speichern"),
    "saved": ("Gemt", "Saved", "Gespeichert"),
    "not_saved": ("Ikke gemt", "Not saved", "Nicht gespeichert"),
    "edit": ("Redigér", "Edit", "Bearbeiten"),
    "team_id": ("Team-id", "Team id", "Team-ID"),
    "worker_id": ("Medarbejder-id", "Worker id", "Mitarbeiter-ID"),
    "name": ("Navn", "Name", "Name"),
    "roles": ("Funktioner", "Roles", "Funktionen"),
    "no_team": ("Intet team", "No team", "Kein Team"),
    "team_form_hint": ("Et eksisterende id omdøber teamet.", "An existing id renames the team.",
                       "Eine bestehende ID benennt das Team um."),
    "worker_form_hint": ("Et eksisterende id ændrer medarbejderen.", "An existing id changes the worker.",
                         "Eine bestehende ID ändert die Person."),
    "value": ("Værdi", "Value", "Wert"),
    "value_hint": ("Andele i procent; tom værdi fjerner målet.", "Shares in per cent; an empty value removes the target.",
                   "Anteile in Prozent; ein leerer Wert entfernt das Ziel."),
    "new_target": ("Månedsmål", "Monthly target", "Monatsziel"),
    "new_goal": ("Mål frem til en måned", "Goal by a month", "Ziel bis zu einem Monat"),
    "goal_hint": ("Milepælene planlægges jævnt fra denne måneds tal frem til målet.",
                  "The milestones are planned evenly from this month's figure up to the goal.",
                  "Die Meilensteine werden gleichmäßig vom Wert dieses Monats bis zum Ziel geplant."),
    "none_yet": ("Ingen endnu.", "None yet.", "Noch keine."),
    "goal_milestones": ("Milepæle", "Milestones", "Meilensteine"),
    "removed": ("Fjernet", "Removed", "Entfernt"),
    "low": ("Fra", "From", "Von"),
    "high": ("Til", "To", "Bis"),
    "norms_hint": ("Sager pr. medarbejder i funktionen; tomme felter: ingen norm.",
                   "Cases per worker in the role; empty fields: no norm.",
                   "Fälle pro Person in der Funktion; leere Felder: keine Norm."),
    "kind_http_feed": ("HTTP-feed", "HTTP feed", "HTTP-Feed"),
    "kind_drop_folder": ("Drop-mappe", "Drop folder", "Ablageordner"),
    "location": ("Adresse eller mappe", "Address or folder", "Adresse oder Ordner"),
    "feed_token": ("Nøgle til feedet (valgfri)", "Feed token (optional)", "Schlüssel des Feeds (optional)"),
    "interval_seconds": ("Interval (sekunder)", "Interval (seconds)", "Intervall (Sekunden)"),
    "add_source": ("Tilføj kilde", "Add source", "Quelle hinzufügen"),
    "run_now": ("Kør nu", "Run now", "Jetzt ausführen"),
    "remove": ("Fjern", "Remove", "Entfernen"),
    "source_ran": ("Kørt", "Ran", "Ausgeführt"),
    "source_failed": ("Fejlede", "Failed", "Fehlgeschlagen"),
    "source_busy": ("Kilden kører allerede et andet sted.", "The source is already running elsewhere.",
                    "Die Quelle läuft bereits anderswo."),
    "accepted_n": ("nye", "new", "neu"),
    "duplicates_n": ("dubletter", "duplicates", "Duplikate"),
    "rejected_n": ("afvist", "refused", "abgewiesen"),
    "resubmit": ("Genindsend", "Resubmit", "Erneut einreichen"),
    "resubmit_accepted": ("Modtaget – posten er løst.", "Accepted – the entry is resolved.",
                          "Angenommen – der Eintrag ist erledigt."),
    "resubmit_duplicate": ("Fandtes allerede – posten er løst.", "Already stored – the entry is resolved.",
                           "War schon gespeichert – der Eintrag ist erledigt."),
    "resubmit_refused": ("Afvist igen", "Refused again", "Erneut abgewiesen"),
    "not_in_quarantine": ("Posten er ikke længere åben.", "The entry is no longer open.",
                          "Der Eintrag ist nicht mehr offen."),
    "tokens": ("Adgangsnøgler", "Access tokens", "Zugangsschlüssel"),
    "new_token": ("Ny adgangsnøgle", "New access token", "Neuer Zugangsschlüssel"),
    "token_name": ("Beskrivelse", "Description", "Beschreibung"),
    "expires_in_days": ("Udløber om (dage)", "Expires in (days)", "Läuft ab in (Tagen)"),
    "expires": ("Udløber", "Expires", "Läuft ab"),
    "last_used": ("Sidst brugt", "Last used", "Zuletzt benutzt"),
    "revoke": ("Tilbagekald", "Revoke", "Widerrufen"),
    "revoked": ("Tilbagekaldt", "Revoked", "Widerrufen"),
    "expired": ("Udløbet", "Expired", "Abgelaufen"),
    "token_secret": ("Den nye nøgle", "The new token", "Der neue Schlüssel"),
    "token_once": ("Kopiér den nu: den vises kun denne ene gang og gemmes kun som hash.",
                   "Copy it now: it is shown this once only and stored only as a hash.",
                   "Jetzt kopieren: er wird nur dieses eine Mal gezeigt und nur als Hash gespeichert."),
    "role_ingest": ("Dataindlæsning", "Ingest", "Datenannahme"),
    "role_monitoring": ("Overvågning", "Monitoring", "Überwachung"),
    "prefix": ("Begynder med", "Starts with", "Beginnt mit"),
    # validation, in the user's language (the service's own reason follows in brackets)
    "err_required": ("{field} skal udfyldes.", "{field} is required.", "{field} muss ausgefüllt werden."),
    "err_ident": ("{field}: 1–128 tegn.", "{field}: 1–128 characters.", "{field}: 1–128 Zeichen."),
    "err_number": ("{field}: skriv et tal fra 0.", "{field}: enter a number from 0.",
                   "{field}: eine Zahl ab 0 eingeben."),
    "err_whole": ("{field}: skriv et helt tal fra 0.", "{field}: enter a whole number from 0.",
                  "{field}: eine ganze Zahl ab 0 eingeben."),
    "err_share": ("En andel er mellem 0 og 100 %.", "A share is between 0 and 100 %.", "Ein Anteil liegt zwischen 0 und 100 %."),
    "err_low_high": ("{field}: »fra« må ikke være over »til«.", "{field}: “from” must not be above “to”.",
                     "{field}: „von“ darf nicht über „bis“ liegen."),
    "err_source_name": ("Navn: bogstaver, tal, '.', '_' eller '-' (højst 128).",
                        "Name: letters, digits, '.', '_' or '-' (at most 128).",
                        "Name: Buchstaben, Ziffern, '.', '_' oder '-' (höchstens 128)."),
    "err_interval": ("Interval: mellem 1 sekund og 7 dage.", "Interval: between 1 second and 7 days.",
                     "Intervall: zwischen 1 Sekunde und 7 Tagen."),
    "err_url": ("Adressen skal begynde med http:// eller https://.", "The address must start with http:// or https://.",
                "Die Adresse muss mit http:// oder https:// beginnen."),
    "err_exists": ("Der findes allerede en kilde med det navn.", "A source with this name exists already.",
                   "Eine Quelle mit diesem Namen gibt es bereits."),
    "err_days": ("Udløb: mellem 1 og 3650 dage.", "Expiry: between 1 and 3650 days.", "Ablauf: zwischen 1 und 3650 Tagen."),
    "err_token_worker": ("En medarbejdernøgle skal knyttes til en medarbejder.", "A worker token must be bound to a worker.",
                         "Ein Mitarbeiterschlüssel muss an eine Person gebunden sein."),
    "err_token_team": ("En teamledernøgle skal knyttes til et team.", "A team lead token must be bound to a team.",
                       "Ein Teamleitungsschlüssel muss an ein Team gebunden sein."),
    "err_unknown_team": ("Teamet findes ikke.", "There is no such team.", "Dieses Team gibt es nicht."),
    "no_stories": ("Ingen endnu – de kommer.", "None yet – they will come.", "Noch keine – sie kommen."),
    # -- identity numbers: free text that holds one is refused, never repeated --------------------
    "identity_in_text": (
        "Teksten ser ud til at indeholde et cpr-nummer eller et andet personnummer. Fjern det, og gem igen.",
        "The text seems to contain a CPR number or another identity number. Remove it and save again.",
        "Der Text scheint eine CPR-Nummer oder eine andere Identifikationsnummer zu enthalten. "
        "Bitte entfernen und erneut speichern.",
    ),
}

READINESS_KEYS = {"ready": "ready", "close": "close_to", "far": "far", "unknown": "unknown"}


# Recording casework from the board and the XLSX round-trip (dashboard/pages/caseload.py,
# dashboard/sheet.py); kept in one block of their own.
TEXT.update({
    "record_heading": ("Registrér", "Record", "Erfassen"),
    "record_case": ("Sag", "Case", "Fall"),
    "record_action": ("Hvad skete der?", "What happened?", "Was ist passiert?"),
    "record_choose_case": ("Vælg sag", "Choose a case", "Fall wählen"),
    "record_choose_action": ("Vælg hændelse", "Choose what happened", "Ereignis wählen"),
    "record_submit": ("Registrér", "Record", "Erfassen"),
    "record_undo": ("Fortryd sidste", "Undo last entry", "Letzte Eingabe zurücknehmen"),
    "record_done": ("Registreret", "Recorded", "Erfasst"),
    "record_duplicate": ("Allerede registreret – intet nyt gemt.", "Already recorded – nothing new stored.",
                         "Bereits erfasst – nichts Neues gespeichert."),
    "record_refused": ("Ikke registreret", "Not recorded", "Nicht erfasst"),
    "record_undone": ("Fortrudt", "Undone", "Zurückgenommen"),
    "record_nothing_to_undo": ("Der er intet at fortryde.", "There is nothing to undo.",
                               "Es gibt nichts zurückzunehmen."),
    "record_fix": ("Ret venligst:", "Please correct:", "Bitte korrigieren:"),
    "record_on_case": ("på sag", "on case", "bei Fall"),
    "record_placement_now": ("Nuværende forløb", "Current placement", "Aktuelle Maßnahme"),
    "action_cv_completed": ("CV færdigt", "CV completed", "Lebenslauf fertig"),
    "action_readiness_assessed": ("Parathed vurderet", "Readiness assessed", "Bereitschaft eingeschätzt"),
    "action_phase_changed": ("Fase skiftet", "Phase changed", "Phase gewechselt"),
    "action_placement_started": ("Virksomhedsforløb startet", "Placement started", "Betriebspraktikum begonnen"),
    "action_placement_ended": ("Virksomhedsforløb afsluttet", "Placement ended", "Betriebspraktikum beendet"),
    "action_follow_up_held": ("Opfølgning holdt", "Follow-up held", "Nachbesprechung gehalten"),
    "action_hours_reported": ("Ordinære timer for en måned", "Ordinary hours for a month",
                              "Reguläre Stunden eines Monats"),
    "action_enrolled": ("Startet i forløb", "Enrolled", "Maßnahme begonnen"),
    "action_case_closed": ("Sag afsluttet", "Case closed", "Fall abgeschlossen"),
    "action_worker_assigned": ("Medarbejder tildelt", "Worker assigned", "Mitarbeiter/in zugewiesen"),
    "action_case_opened": ("Ny sag", "New case", "Neuer Fall"),
    "action_event_retracted": ("Fortrydelse", "Undo", "Rücknahme"),
    "field_date": ("Dato", "Date", "Datum"),
    "field_level": ("Parathed", "Readiness", "Bereitschaft"),
    "field_phase": ("Fase", "Phase", "Phase"),
    "field_employer": ("Virksomhed", "Employer", "Betrieb"),
    "field_kind": ("Type", "Kind", "Art"),
    "field_hours_per_week": ("Timer pr. uge", "Hours per week", "Stunden pro Woche"),
    "field_placement_id": ("Forløb", "Placement", "Maßnahme"),
    "field_end_reason": ("Årsag (valgfri)", "Reason (optional)", "Grund (optional)"),
    "field_participants": ("Deltagere", "Participants", "Teilnehmende"),
    "field_month": ("Måned", "Month", "Monat"),
    "field_hours": ("Ordinære timer", "Ordinary hours", "Reguläre Stunden"),
    "field_reason": ("Årsag", "Reason", "Grund"),
    "field_outcome": ("Resultat (valgfrit)", "Outcome (optional)", "Ergebnis (optional)"),
    "field_worker_id": ("Medarbejder", "Worker", "Mitarbeiter/in"),
    "field_role": ("Rolle", "Role", "Rolle"),
    "field_citizen": ("Borgerens CPR-nummer eller id", "The citizen's identity number or id",
                      "Kennung der Person"),
    "field_citizen_hint": ("Gemmes aldrig: erstattes straks af et pseudonym.",
                           "Never stored: replaced by a pseudonym at once.",
                           "Wird nie gespeichert: sofort durch ein Pseudonym ersetzt."),
    "field_programme": ("Program", "Programme", "Programm"),
    "placement_kind_internship": ("Virksomhedspraktik", "Internship", "Praktikum"),
    "placement_kind_wage_subsidy": ("Løntilskud", "Wage subsidy", "Lohnkostenzuschuss"),
    "placement_kind_other": ("Andet", "Other", "Sonstiges"),
    "close_completed": ("Gennemført", "Completed", "Abgeschlossen"),
    "close_dropped_out": ("Faldet fra", "Dropped out", "Abgebrochen"),
    "close_referred_back": ("Sendt tilbage", "Referred back", "Zurückverwiesen"),
    "close_moved": ("Fraflyttet", "Moved", "Verzogen"),
    "close_other": ("Andet", "Other", "Sonstiges"),
    "outcome_job": ("Job", "Job", "Arbeit"),
    "outcome_education": ("Uddannelse", "Education", "Ausbildung"),
    "outcome_extended_placement": ("Forlænget forløb", "Extended placement", "Verlängerte Maßnahme"),
    "outcome_other": ("Andet", "Other", "Sonstiges"),
    "participant_citizen": ("Borger", "Citizen", "Teilnehmer/in"),
    "participant_employer": ("Virksomhed", "Employer", "Betrieb"),
    "invalid_action": ("Vælg hvad der skete.", "Choose what happened.", "Bitte wählen, was passiert ist."),
    "invalid_case": ("Vælg en aktiv sag, du må registrere på.", "Choose an active case you may record on.",
                     "Bitte einen aktiven Fall wählen, den Sie bearbeiten dürfen."),
    "invalid_date": ("Datoen mangler eller er ugyldig.", "The date is missing or not valid.",
                     "Das Datum fehlt oder ist ungültig."),
    "invalid_future_date": ("Datoen må ikke ligge i fremtiden.", "The date must not be in the future.",
                            "Das Datum darf nicht in der Zukunft liegen."),
    "invalid_citizen": ("Skriv borgerens CPR-nummer eller id.", "Enter the citizen's identity number or id.",
                        "Bitte die Kennung der Person eingeben."),
    "invalid_no_team": ("Medarbejderen hører ikke til et team.", "The worker belongs to no team.",
                        "Die Person gehört zu keinem Team."),
    "invalid_level": ("Vælg en parathed.", "Choose a readiness level.", "Bitte eine Bereitschaft wählen."),
    "invalid_phase": ("Vælg en fase i programmets procesmodel.", "Choose a phase of the programme's process model.",
                      "Bitte eine Phase des Prozessmodells wählen."),
    "invalid_kind": ("Vælg en type forløb.", "Choose a kind of placement.", "Bitte eine Art wählen."),
    "invalid_employer": ("Skriv virksomhedens navn.", "Enter the employer.", "Bitte den Betrieb angeben."),
    "invalid_hours_per_week": ("Timer pr. uge skal være et tal fra 0 til 168.",
                               "Hours per week must be a number from 0 to 168.",
                               "Stunden pro Woche: eine Zahl von 0 bis 168."),
    "invalid_placement": ("Vælg et åbent forløb.", "Choose an open placement.", "Bitte eine laufende Maßnahme wählen."),
    "invalid_participants": ("Vælg mindst én deltager.", "Choose at least one participant.",
                             "Bitte mindestens eine teilnehmende Person wählen."),
    "invalid_month": ("Vælg en af de seneste måneder.", "Choose one of the recent months.",
                      "Bitte einen der letzten Monate wählen."),
    "invalid_hours": ("Timer skal være et tal fra 0 til 744.", "Hours must be a number from 0 to 744.",
                      "Stunden: eine Zahl von 0 bis 744."),
    "invalid_reason": ("Vælg en årsag.", "Choose a reason.", "Bitte einen Grund wählen."),
    "invalid_outcome": ("Ukendt resultat.", "Unknown outcome.", "Unbekanntes Ergebnis."),
    "invalid_worker": ("Vælg en medarbejder i teamet.", "Choose a worker of the team.",
                       "Bitte eine Person des Teams wählen."),
    "invalid_role": ("Vælg en rolle.", "Choose a role.", "Bitte eine Rolle wählen."),
    "sheet_heading": ("Regneark", "Spreadsheet", "Tabelle"),
    "sheet_download": ("Hent teamets sager som regneark", "Download the team's cases as a spreadsheet",
                       "Fälle des Teams als Tabelle herunterladen"),
    "sheet_upload": ("Indlæs det redigerede regneark", "Upload the edited spreadsheet",
                     "Bearbeitete Tabelle hochladen"),
    "sheet_preview": ("Det vil blive registreret", "What will be recorded", "Was erfasst wird"),
    "sheet_confirm": ("Registrér ændringerne", "Record the changes", "Änderungen erfassen"),
    "sheet_nothing": ("Ingen ændringer – intet at registrere.", "No changes – nothing to record.",
                      "Keine Änderungen – nichts zu erfassen."),
    "sheet_recorded": ("hændelser registreret", "events recorded", "Ereignisse erfasst"),
    "sheet_problems": ("Kan ikke læses", "Cannot be read", "Nicht lesbar"),
    "sheet_col_case": ("Sag", "Case", "Fall"),
    "sheet_col_row": ("Række", "Row", "Zeile"),
    "sheet_col_change": ("Ændring", "Change", "Änderung"),
    "sheet_col_value": ("Ny værdi", "New value", "Neuer Wert"),
    "sheet_col_problem": ("Bemærkning", "Note", "Hinweis"),
    "sheet_col_before": ("Nu", "Now", "Jetzt"),
    "sheet_events_to_record": ("hændelser registreres, når du bekræfter. Intet er gemt endnu.",
                               "events are recorded when you confirm. Nothing is stored yet.",
                               "Ereignisse werden beim Bestätigen erfasst. Noch ist nichts gespeichert."),
    "sheet_not_recorded": ("registreres ikke", "not recorded", "wird nicht erfasst"),
    "sheet_changed_meanwhile": ("Tavlen har ændret sig siden forhåndsvisningen – se den nye og bekræft igen.",
                                "The board changed since the preview – check the new one and confirm again.",
                                "Die Übersicht hat sich seit der Vorschau geändert – bitte erneut prüfen."),
    "sheet_too_big": ("Filen er for stor.", "The file is too large.", "Die Datei ist zu groß."),
    "sheet_not_xlsx": ("Filen er ikke et Excel-regneark (.xlsx).", "The file is not an Excel workbook (.xlsx).",
                       "Die Datei ist keine Excel-Arbeitsmappe (.xlsx)."),
    "sheet_no_header": ("Første række skal være overskrifterne fra det hentede ark (mindst Sag).",
                        "The first row must hold the headings of the downloaded sheet (at least Case).",
                        "Die erste Zeile muss die Überschriften enthalten (mindestens Fall)."),
    "sheet_unknown_case": ("Ukendt eller ikke-aktiv sag i teamet – nye sager oprettes på tavlen.",
                           "Not an active case of the team – new cases are opened on the board.",
                           "Kein aktiver Fall des Teams – neue Fälle werden in der Übersicht angelegt."),
    "sheet_bad_yes_no": ("Skriv ja eller nej.", "Write yes or no.", "Bitte ja oder nein."),
    "sheet_cv_cannot_be_removed": ("Et færdigt CV kan ikke fjernes i arket; fortryd på tavlen.",
                                   "A completed CV cannot be removed in the sheet; undo it on the board.",
                                   "Ein fertiger Lebenslauf kann hier nicht entfernt werden."),
    "xlsx_case_id": ("Sag", "Case", "Fall"),
    "xlsx_citizen": ("Pseudonym", "Pseudonym", "Pseudonym"),
    "xlsx_worker": ("Sagsbehandler", "Caseworker", "Fallmanager/in"),
    "xlsx_cv": ("CV", "CV", "Lebenslauf"),
    "xlsx_readiness": ("Parathed", "Readiness", "Bereitschaft"),
    "xlsx_placement": ("Virksomhedsforløb", "Placement", "Betriebspraktikum"),
    "xlsx_hours": ("Timer", "Hours", "Stunden"),
    # limits before work: an oversized sheet, a preview of bounded size
    "sheet_cell_too_long": ("En celle i arket er for lang (højst 200 tegn).",
                            "A cell of the sheet is too long (200 characters at most).",
                            "Eine Zelle der Tabelle ist zu lang (höchstens 200 Zeichen)."),
    "sheet_more_changes": ("Flere ændringer, ikke vist her", "More changes, not shown here",
                           "Weitere Änderungen, hier nicht gezeigt"),
})


# Sign-in and passwords: the password policy's refusals (core/passwords.py) and the one rule for
# user names' case (dashboard/pages/users.py).
TEXT.update({
    "password_too_short": ("Adgangskoden skal have mindst 12 tegn.", "The password must have at least 12 characters.",
                           "Das Passwort muss mindestens 12 Zeichen haben."),
    "password_too_long": ("Adgangskoden må højst have 256 tegn.", "The password must have at most 256 characters.",
                          "Das Passwort darf höchstens 256 Zeichen haben."),
    "password_too_few_characters": ("Adgangskoden skal have mindst 5 forskellige tegn.",
                                    "The password must have at least 5 different characters.",
                                    "Das Passwort muss mindestens 5 verschiedene Zeichen haben."),
    "password_contains_username": ("Adgangskoden må ikke indeholde brugernavnet.",
                                   "The password must not contain the username.",
                                   "Das Passwort darf den Benutzernamen nicht enthalten."),
    "password_contains_product": ("Adgangskoden må ikke indeholde »Overblik«.",
                                  "The password must not contain “Overblik”.",
                                  "Das Passwort darf „Overblik“ nicht enthalten."),
    "password_common": ("Adgangskoden er for almindelig – den står på listen over adgangskoder, angribere prøver først. "
                        "Vælg en længere sætning.",
                        "The password is too common – it is on the list of passwords attackers try first. "
                        "Choose a longer phrase.",
                        "Das Passwort ist zu verbreitet – es steht auf der Liste der Passwörter, die Angreifer "
                        "zuerst probieren. Bitte einen längeren Satz wählen."),
    "username_taken": ("Brugernavnet er optaget (store og små bogstaver tæller ikke som forskellige).",
                       "The username is taken (upper and lower case do not count as different).",
                       "Der Benutzername ist vergeben (Groß- und Kleinschreibung gelten nicht als verschieden)."),
    # Every input validated at the edge
    "bad_request": ("Forespørgslen kunne ikke bruges", "The request could not be used",
                    "Die Anfrage konnte nicht verwendet werden"),
    "err_month": ("Vælg en måned fra listen.", "Choose a month from the list.", "Bitte einen Monat aus der Liste wählen."),
    "err_unknown_worker": ("Medarbejderen findes ikke.", "There is no such worker.", "Diese Person gibt es nicht."),
})


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    words = TEXT[key]
    return words[LANGUAGES.index(lang)] if lang in LANGUAGES else words[0]


def metric_label(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return BY_NAME[name].label(lang)


def readiness_label(level: str | None, lang: str) -> str:
    return t(READINESS_KEYS.get(level or "unknown", "unknown"), lang)


def role_label(role: str, lang: str) -> str:
    return t(role, lang) if role in TEXT else role


def locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES[DEFAULT_LANGUAGE])


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    if value is None:
        return t("none", lang)
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale(lang))


def share(value: float | None, lang: str) -> str:
    if value is None:
        return t("none", lang)
    return format_percent(value, format="#,##0\u00a0%", locale=locale(lang))


def figure(name: str, value, lang: str) -> str:
    """A figure as people read it: shares in per cent, hours and days with a decimal."""
    kind = BY_NAME[name].value if name in BY_NAME else "count"
    if kind == "share":
        return share(value, lang)
    if kind in ("hours", "days"):
        return number(value, lang, 1)
    return number(value, lang)


def suppressed(name: str, value, lang: str, row: dict | None) -> str:
    """A figure for comparison across teams: small counts and shares or medians of small groups
    (fewer than 5 cases, judged on the figure's own `row`) as "<5"."""
    return "<5" if is_small(name, value, row) else figure(name, value, lang)


def is_small(name: str, value, row: dict | None) -> bool:
    """Whether a figure would reveal a group of fewer than 5 cases (metrics/suppression.py)."""
    return small_figure(name, value, row)


def month_label(month: str, lang: str, short: bool = False) -> str:
    year, number_ = (int(part) for part in month.split("-"))
    return format_date(date(year, number_, 1), "LLL yy" if short else "LLLL y", locale=locale(lang))


def day_label(instant: str | datetime | None, zone: ZoneInfo, lang: str) -> str:
    if instant is None:
        return t("none", lang)
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return format_date(instant.astimezone(zone).date(), "medium", locale=locale(lang))


def time_label(instant: str | datetime, zone: ZoneInfo, lang: str) -> str:
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return format_datetime(instant.astimezone(zone), "short", tzinfo=zone, locale=locale(lang))


def best_language(accept: list[str]) -> str:
    """The first of the browser's languages the dashboard speaks, else Danish."""
    for tag in accept:
        code = tag.split("-")[0].split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


# Locale-aware numbers (core/numbers.py): why a typed number was refused, in the user's language
TEXT.update({
    "number_not_a_number": ("{field}: »{value}« er ikke et tal.", "{field}: “{value}” is not a number.",
                            "{field}: „{value}“ ist keine Zahl."),
    "number_bad_grouping": ("{field}: »{value}« kan ikke læses entydigt – skriv fx 1.234,5 eller 55,5.",
                            "{field}: “{value}” cannot be read unambiguously – write e.g. 1,234.5 or 55.5.",
                            "{field}: „{value}“ ist nicht eindeutig lesbar – z. B. 1.234,5 oder 55,5 schreiben."),
    "number_too_long": ("{field}: højst 64 tegn.", "{field}: at most 64 characters.", "{field}: höchstens 64 Zeichen."),
})


def number_refused(reason: str, field: str, value, lang: str) -> str:
    """Why a number (core/numbers.py's NumberError.reason) was refused, in the user's language."""
    key = f"number_{reason}" if f"number_{reason}" in TEXT else "number_not_a_number"
    shown = str(value)[:64]
    return t(key, lang).format(field=field, value=shown)


def exact_figure(name: str, value, lang: str) -> str:
    """A figure exactly as entered (no rounding), for confirmations: 55,5 % in da, 55.5 % in en."""
    if value is None:
        return t("none", lang)
    kind = BY_NAME[name].value if name in BY_NAME else "count"
    if kind == "share":
        return format_percent(value, format="#,##0.####\u00a0%", locale=locale(lang))
    return format_decimal(value, format="#,##0.######", locale=locale(lang))
