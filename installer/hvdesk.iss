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
;   hvdesk-setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS /LOG="C:\Windows\Temp\hvdesk-setup.log"
;       /HVDESKUSERS="office;SCHOOL\head"   (required when silent: see "Who may read" below)
;       [/DATABASE="postgresql+psycopg://hvdesk@office-server/hvdesk"] [/BACKUPFOLDER="D:\hvdesk-backups"]
;       [/TASKS="startup"]   (the default; /TASKS="" leaves out starting at sign-in)
;   uninstall: "C:\Program Files\hvdesk\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES
; /DATABASE and /BACKUPFOLDER are written to C:\ProgramData\hvdesk\hvdesk.ini ([hvdesk] database=,
; backup_folder=); Group Policy values under HKLM\SOFTWARE\Policies\hvdesk win over the file.
;
; Who may read the database key (per-machine installs): the school's database in ProgramData is
; encrypted, and its key file sits in C:\ProgramData\hvdesk\keys, sealed with DPAPI machine scope
; by hvdesk. DPAPI machine scope lets any account of the PC unseal it, so the folder's ACL decides
; who can: the installer (it alone runs as an administrator) makes the local group "hvdesk users",
; adds the accounts named on its "Who uses hvdesk" page or in /HVDESKUSERS (the page offers the
; account running setup; a silent install has no such account worth adding - under Intune or a
; Group Policy startup script it is SYSTEM - so it refuses to start without /HVDESKUSERS), and
; limits the keys folder to SYSTEM, Administrators and that group (icacls, with the inheritance from
; ProgramData removed: every user may read ProgramData). All of it is done before any file is
; installed, and checked: if net or icacls fails, setup stops with the reason (in the /LOG file when
; silent, exit code 7) and installs nothing. Add someone later:
;   net localgroup "hvdesk users" NAME /add     (they sign out and in again)
; Every run (upgrades too) sets the folder's ACL again. Uninstall leaves the group and the keys.
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
; The database key: limited to SYSTEM, Administrators and "hvdesk users" after install (ShareKeyFolder).
Name: "{commonappdata}\hvdesk\keys"; Flags: uninsneveruninstall; Check: IsAdminInstallMode

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

const
  KeyGroup = 'hvdesk users';
  AlreadyMember = '1378';  { net's "already a member of the group": in every Windows language }

var
  UsersPage: TInputQueryWizardPage;

{ A silent per-machine install names its users: it runs as SYSTEM (Intune, Group Policy) or as
  whoever packaged it, and neither should be the one account that may open the school. }
function InitializeSetup: Boolean;
begin
  Result := True;
  if WizardSilent and IsAdminInstallMode and not HasParam('HVDESKUSERS') then
  begin
    Log('hvdesk: a silent install needs /HVDESKUSERS="office;SCHOOL\head" (the Windows accounts ' +
      'that may open the school); nothing was installed.');
    SuppressibleMsgBox('A silent install of hvdesk needs /HVDESKUSERS="office;SCHOOL\head": the ' +
      'Windows accounts that may open the school. Nothing was installed.',
      mbCriticalError, MB_OK, IDOK);
    Result := False;
  end;
end;

procedure InitializeWizard;
var
  Accounts: String;
begin
  UsersPage := CreateInputQueryPage(wpSelectTasks,
    'Who uses hvdesk on this PC',
    'Only these Windows accounts (and administrators) can open the school''s database.',
    'They join the local group "' + KeyGroup + '", the only group that may read the database ' +
    'key. Separate accounts with ";" (for example: office;SCHOOL\head). Add someone later, ' +
    'as an administrator: net localgroup "' + KeyGroup + '" NAME /add');
  UsersPage.Add('Windows accounts:', False);
  Accounts := ExpandConstant('{param:HVDESKUSERS}');
  if Accounts = '' then
    Accounts := ExpandConstant('{username}');
  UsersPage.Values[0] := Accounts;
end;

function ShouldSkipPage(PageID: Integer): Boolean;
begin
  Result := (PageID = UsersPage.ID) and not IsAdminInstallMode;
end;

{ Runs a tool from System32 hidden, its output kept for the log and for the caller to read;
  returns its exit code (-1 when it could not be started). }
function RunTool(const Tool, Params: String; var Output: AnsiString): Integer;
var
  OutFile: String;
  ResultCode: Integer;
begin
  OutFile := ExpandConstant('{tmp}\hvdesk-tool-output.txt');
  DeleteFile(OutFile);
  Output := '';
  if Exec(ExpandConstant('{cmd}'), '/C ""' + ExpandConstant('{sys}\') + Tool + '" ' + Params +
    ' > "' + OutFile + '" 2>&1"', '', SW_HIDE, ewWaitUntilTerminated, ResultCode) then
  begin
    LoadStringFromFile(OutFile, Output);
    Log(Tool + ' ' + Params + ' -> exit code ' + IntToStr(ResultCode) + ': ' + Output);
    Result := ResultCode;
  end
  else
  begin
    Log(Tool + ' ' + Params + ' could not be started: ' + SysErrorMessage(ResultCode));
    Result := -1;
  end;
end;

{ The group (made only when missing), its members (one already in it is fine), then the keys
  folder's ACL: inheritance from ProgramData removed (every user may read that), SYSTEM and
  Administrators full control, the group modify (any of them may set up the school or change its
  key). SIDs, not names, for the built-in accounts: their names differ by Windows language.
  Returns '' when all of it worked, else what failed, in words for IT. }
function ShareKeyFolder: String;
var
  Accounts, Name, Keys: String;
  Output: AnsiString;
  Cut: Integer;
begin
  Result := '';
  if RunTool('net.exe', 'localgroup "' + KeyGroup + '"', Output) <> 0 then
    if RunTool('net.exe', 'localgroup "' + KeyGroup + '" /add /comment:"May open the school''s hvdesk database"', Output) <> 0 then
    begin
      Result := 'Could not make the local group "' + KeyGroup + '": ' + Trim(Output);
      Exit;
    end;
  Accounts := UsersPage.Values[0] + ';';
  while Accounts <> '' do
  begin
    Cut := Pos(';', Accounts);
    Name := Trim(Copy(Accounts, 1, Cut - 1));
    Delete(Accounts, 1, Cut);
    if Name <> '' then
      if RunTool('net.exe', 'localgroup "' + KeyGroup + '" "' + Name + '" /add', Output) <> 0 then
        if Pos(AlreadyMember, Output) = 0 then
        begin
          Result := 'Could not add "' + Name + '" to the local group "' + KeyGroup + '" (check ' +
            'the account name): ' + Trim(Output);
          Exit;
        end;
  end;
  Keys := ExpandConstant('{commonappdata}\hvdesk\keys');
  if not ForceDirectories(Keys) then
  begin
    Result := 'Could not make the folder ' + Keys;
    Exit;
  end;
  if RunTool('icacls.exe', '"' + Keys + '" /inheritance:r ' +
    '/grant:r *S-1-5-18:(OI)(CI)F /grant:r *S-1-5-32-544:(OI)(CI)F ' +
    '/grant:r "' + KeyGroup + ':(OI)(CI)M"', Output) <> 0 then
    Result := 'Could not limit ' + Keys + ' to SYSTEM, Administrators and "' + KeyGroup + '": ' +
      Trim(Output);
end;

{ Before any file is installed: a failure stops setup with its reason (the Preparing page, or the
  log and exit code 7 when silent), never a school whose key any user could read. }
function PrepareToInstall(var NeedsRestart: Boolean): String;
begin
  Result := '';
  if IsAdminInstallMode then
  begin
    Result := ShareKeyFolder;
    if Result <> '' then
      Log('hvdesk: setup stopped, nothing was installed: ' + Result);
  end;
end;
