; Inno Setup script: wraps the PyInstaller folder (dist\hvdesk-<version>) into one installer.
;
;   .venv\Scripts\pyinstaller installer.spec
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\hvdesk.iss
;   -> installer\Output\hvdesk-setup-0.1.0.exe
;
; Per-machine by default (Program Files, shortcuts for every user, C:\ProgramData\hvdesk writable
; by every user so the head and the office see the same school). Without admin rights it installs
; for the current user only (choose it in the dialog, or /CURRENTUSER on the command line).
;
; Silent deployment (Group Policy startup script, Intune Win32 app, SCCM):
;   hvdesk-setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS
;       [/DATABASE="postgresql+psycopg://hvdesk@office-server/hvdesk"] [/BACKUPFOLDER="D:\hvdesk-backups"]
;       [/TASKS="startup"]   (the default; /TASKS="" leaves out starting at sign-in)
;   uninstall: "C:\Program Files\hvdesk\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES
; /DATABASE and /BACKUPFOLDER are written to C:\ProgramData\hvdesk\hvdesk.ini ([hvdesk] database=,
; backup_folder=); Group Policy values under HKLM\SOFTWARE\Policies\hvdesk win over the file.
; The school's database and backups in C:\ProgramData\hvdesk are never removed by uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "hvdesk"
#define SourceDir "..\dist\hvdesk-" + AppVersion

[Setup]
AppId={{6F1C2E1A-3B7D-4C59-9E2A-1D6B0C8F4A16}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=hvdesk
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=Output
OutputBaseFilename=hvdesk-setup-{#AppVersion}
SetupIconFile=..\resources\icons\hvdesk.ico
UninstallDisplayIcon={app}\hvdesk.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
; Upgrades: close a running hvdesk (Restart Manager) and start it again afterwards.
CloseApplications=yes
RestartApplications=yes

[Tasks]
Name: "startup"; Description: "Start hvdesk when anyone signs in to this PC (recommended: alarms need it running)"; GroupDescription: "Monitoring:"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; The machine-wide data folder: every Windows user of the office PC reads and writes the school.
Name: "{commonappdata}\hvdesk"; Permissions: users-modify; Flags: uninsneveruninstall; Check: IsAdminInstallMode

[INI]
Filename: "{commonappdata}\hvdesk\hvdesk.ini"; Section: "hvdesk"; Key: "database"; String: "{param:DATABASE}"; Check: IsAdminInstallMode and HasParam('DATABASE')
Filename: "{commonappdata}\hvdesk\hvdesk.ini"; Section: "hvdesk"; Key: "backup_folder"; String: "{param:BACKUPFOLDER}"; Check: IsAdminInstallMode and HasParam('BACKUPFOLDER')

[Icons]
Name: "{autoprograms}\hvdesk"; Filename: "{app}\hvdesk.exe"; Comment: "Home visit safety: booking, approval, live tracking and alarms"
Name: "{autoprograms}\hvdesk command line"; Filename: "{cmd}"; Parameters: "/k ""{app}\hvdesk-cli.exe"" --help"; WorkingDir: "{app}"
Name: "{autostartup}\hvdesk"; Filename: "{app}\hvdesk.exe"; Tasks: startup
Name: "{autodesktop}\hvdesk"; Filename: "{app}\hvdesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\hvdesk.exe"; Description: "Start hvdesk now"; Flags: nowait postinstall skipifsilent

[Code]
function HasParam(Name: String): Boolean;
begin
  Result := ExpandConstant('{param:' + Name + '}') <> '';
end;
