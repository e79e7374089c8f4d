<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>DropCheck</name>
    <message>
        <source>%1 is written in %2.</source>
        <translation>%1 est rédigé en %2.</translation>
    </message>
    <message>
        <source>These documents are written in %2: %1.</source>
        <translation>Ces documents sont rédigés en %2 : %1.</translation>
    </message>
</context>
<context>
    <name>DropZone</name>
    <message>
        <source>Drop documents or folders here</source>
        <translation>Déposez ici des documents ou des dossiers</translation>
    </message>
    <message>
        <source>Word, PDF, PowerPoint, Excel, OpenDocument, text, HTML and e-mail files. Nothing leaves this computer.</source>
        <translation>Fichiers Word, PDF, PowerPoint, Excel, OpenDocument, texte, HTML et courriels. Rien ne quitte cet ordinateur.</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Ouvrir…</translation>
    </message>
    <message>
        <source>Choose documents to translate (Ctrl+O)</source>
        <translation>Choisir les documents à traduire (Ctrl+O)</translation>
    </message>
    <message>
        <source>Drop zone for documents</source>
        <translation>Zone de dépôt des documents</translation>
    </message>
    <message>
        <source>Open documents</source>
        <translation>Ouvrir des documents</translation>
    </message>
</context>
<context>
    <name>Engines</name>
    <message>
        <source>Automatic (installed models)</source>
        <translation>Automatique (modèles installés)</translation>
    </message>
    <message>
        <source>Installed translation model</source>
        <translation>Modèle de traduction installé</translation>
    </message>
    <message>
        <source>Pseudo preview (layout test)</source>
        <translation>Pseudo-aperçu (test de mise en page)</translation>
    </message>
    <message>
        <source>LLM (demo quality)</source>
        <translation>LLM (qualité démo)</translation>
    </message>
    <message>
        <source>Intranet LLM server %1</source>
        <translation>Serveur LLM intranet %1</translation>
    </message>
    <message>
        <source>Intranet LibreTranslate %1</source>
        <translation>LibreTranslate intranet %1</translation>
    </message>
    <message>
        <source> (demo quality)</source>
        <translation> (qualité démo)</translation>
    </message>
</context>
<context>
    <name>ErrorDialog</name>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Technical details</source>
        <translation>Détails techniques</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <source>Open the log folder</source>
        <translation>Ouvrir le dossier du journal</translation>
    </message>
    <message>
        <source>Passerelle hit an unexpected problem. Your documents are safe; the details below help the support team.</source>
        <translation>Passerelle a rencontré un problème inattendu. Vos documents ne sont pas touchés ; les détails ci-dessous aideront le support.</translation>
    </message>
    <message>
        <source>A log was written to %1.</source>
        <translation>Un journal a été écrit dans %1.</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <source>Replace the file?</source>
        <translation>Remplacer le fichier ?</translation>
    </message>
    <message>
        <source>%1 already exists. Replace it?</source>
        <translation>%1 existe déjà. Le remplacer ?</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export the translation</source>
        <translation>Exporter la traduction</translation>
    </message>
    <message>
        <source>Output format</source>
        <translation>Format de sortie</translation>
    </message>
    <message>
        <source>Output file</source>
        <translation>Fichier de sortie</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exporter</translation>
    </message>
    <message>
        <source>Format:</source>
        <translation>Format :</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Fichier :</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>Exporter vers</translation>
    </message>
</context>
<context>
    <name>ExportNotice</name>
    <message>
        <source>Open folder</source>
        <translation>Ouvrir le dossier</translation>
    </message>
    <message>
        <source>Open the folder of the exported file</source>
        <translation>Ouvrir le dossier du fichier exporté</translation>
    </message>
    <message>
        <source>Exported: %1</source>
        <translation>Exporté : %1</translation>
    </message>
</context>
<context>
    <name>FactsModel</name>
    <message>
        <source>Fact</source>
        <translation>Fait</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valeur</translation>
    </message>
</context>
<context>
    <name>Fidelity</name>
    <message>
        <source>not translated</source>
        <translation>non traduit</translation>
    </message>
    <message>
        <source>unreadable text</source>
        <translation>texte illisible</translation>
    </message>
    <message>
        <source>page not read</source>
        <translation>page non lue</translation>
    </message>
    <message>
        <source>no model for its language</source>
        <translation>aucun modèle pour sa langue</translation>
    </message>
    <message>
        <source>numbers or dates lost or changed</source>
        <translation>nombres ou dates perdus ou modifiés</translation>
    </message>
    <message>
        <source>markup debris</source>
        <translation>débris de balises</translation>
    </message>
    <message>
        <source>length out of bounds</source>
        <translation>longueur hors limites</translation>
    </message>
    <message>
        <source>repeated words or characters</source>
        <translation>mots ou caractères répétés</translation>
    </message>
    <message>
        <source>read by OCR with low confidence</source>
        <translation>lu par OCR avec une confiance faible</translation>
    </message>
    <message>
        <source>numbers read by OCR with low confidence</source>
        <translation>nombres lus par OCR avec une confiance faible</translation>
    </message>
    <message>
        <source>sentence missing</source>
        <translation>phrase manquante</translation>
    </message>
    <message>
        <source>left untranslated (identical)</source>
        <translation>laissé non traduit (identique)</translation>
    </message>
    <message>
        <source>styled spans</source>
        <translation>segments stylés</translation>
    </message>
    <message>
        <source>text overflow</source>
        <translation>débordement du texte</translation>
    </message>
    <message>
        <source>typesetting</source>
        <translation>composition</translation>
    </message>
    <message>
        <source>protected span restored</source>
        <translation>segment protégé rétabli</translation>
    </message>
    <message>
        <source>debris repaired</source>
        <translation>débris réparés</translation>
    </message>
    <message>
        <source>page count</source>
        <translation>nombre de pages</translation>
    </message>
</context>
<context>
    <name>FirstRunPanel</name>
    <message>
        <source>No translation model is installed yet</source>
        <translation>Aucun modèle de traduction n&apos;est encore installé</translation>
    </message>
    <message>
        <source>Passerelle translates with models installed on this computer; nothing is sent over the network. Import the models your IT team gave you, from a folder or a USB drive (.argosmodel, .gguf or model folders): each file is verified before use. Meanwhile you can try the window with the pseudo preview, or with the demo LLM when one is installed.</source>
        <translation>Passerelle traduit avec des modèles installés sur cet ordinateur ; rien n&apos;est envoyé sur le réseau. Importez les modèles fournis par votre service informatique, depuis un dossier ou une clé USB (.argosmodel, .gguf ou dossiers de modèle) : chaque fichier est vérifié avant usage. En attendant, vous pouvez essayer la fenêtre avec l&apos;aperçu pseudo, ou avec le LLM de démonstration s&apos;il est installé.</translation>
    </message>
    <message>
        <source>Import models from a folder or USB drive…</source>
        <translation>Importer des modèles depuis un dossier ou une clé USB…</translation>
    </message>
    <message>
        <source>Import models</source>
        <translation>Importer des modèles</translation>
    </message>
    <message>
        <source>Try: %1</source>
        <translation>Essayer : %1</translation>
    </message>
    <message>
        <source>Accented fake text in the real layout: no real translation.</source>
        <translation>Faux texte accentué dans la vraie mise en page : aucune vraie traduction.</translation>
    </message>
    <message>
        <source>A small language model, for trying the tool only: translations are poor.</source>
        <translation>Un petit modèle de langue, seulement pour essayer l&apos;outil : les traductions sont médiocres.</translation>
    </message>
</context>
<context>
    <name>Formats</name>
    <message>
        <source>Word document (DOCX)</source>
        <translation>Document Word (DOCX)</translation>
    </message>
    <message>
        <source>Translated PDF (same layout)</source>
        <translation>PDF traduit (même mise en page)</translation>
    </message>
    <message>
        <source>Bilingual PDF (side by side)</source>
        <translation>PDF bilingue (côte à côte)</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>Rapport</translation>
    </message>
</context>
<context>
    <name>ImportListModel</name>
    <message>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>Progress and verification</source>
        <translation>Progression et vérification</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>En attente</translation>
    </message>
    <message>
        <source>Verified (SHA-256): %1</source>
        <translation>Vérifié (SHA-256) : %1</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Échec : %1</translation>
    </message>
</context>
<context>
    <name>ImportModelsDialog</name>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Import models</source>
        <translation>Importer des modèles</translation>
    </message>
    <message>
        <source>Models found</source>
        <translation>Modèles trouvés</translation>
    </message>
    <message>
        <source>Looking for models in %1…</source>
        <translation>Recherche de modèles dans %1…</translation>
    </message>
    <message>
        <source>No model found in %1. Models are .argosmodel or .gguf files, or folders holding a model.bin file.</source>
        <translation>Aucun modèle trouvé dans %1. Les modèles sont des fichiers .argosmodel ou .gguf, ou des dossiers contenant un fichier model.bin.</translation>
    </message>
    <message numerus="yes">
        <source>%n model(s) found; importing and verifying each.</source>
        <translation>
            <numerusform>%n modèle(s) trouvé(s) ; import et vérification de chacun.</numerusform>
            <numerusform>%n modèle(s) trouvé(s) ; import et vérification de chacun.</numerusform>
        </translation>
    </message>
    <message>
        <source>Done: %1 imported, %2 failed.</source>
        <translation>Terminé : %1 importé(s), %2 en échec.</translation>
    </message>
    <message>
        <source>%1, %2 files match</source>
        <translation>%1, %2 fichiers conformes</translation>
    </message>
</context>
<context>
    <name>JobController</name>
    <message>
        <source>Cancelling…</source>
        <translation>Annulation…</translation>
    </message>
    <message>
        <source>Translated; review it, then export</source>
        <translation>Traduit ; relisez puis exportez</translation>
    </message>
    <message>
        <source>%1 translated, %2 already done, %3 failed; report: %4</source>
        <translation>%1 traduit(s), %2 déjà fait(s), %3 en échec ; rapport : %4</translation>
    </message>
</context>
<context>
    <name>JobQueueModel</name>
    <message>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Pages</translation>
    </message>
    <message>
        <source>Languages</source>
        <translation>Langues</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>Moteur</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Progression</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Temps restant</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Actions</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>En attente</translation>
    </message>
    <message>
        <source>Reading</source>
        <translation>Lecture</translation>
    </message>
    <message>
        <source>Waiting for the model</source>
        <translation>Attente du modèle</translation>
    </message>
    <message>
        <source>Translating</source>
        <translation>Traduction</translation>
    </message>
    <message>
        <source>Ready to review</source>
        <translation>Prêt à relire</translation>
    </message>
    <message>
        <source>Exporting</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>Exported</source>
        <translation>Exporté</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Échec</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
</context>
<context>
    <name>Languages</name>
    <message>
        <source>English</source>
        <translation>anglais</translation>
    </message>
    <message>
        <source>French</source>
        <translation>français</translation>
    </message>
    <message>
        <source>German</source>
        <translation>allemand</translation>
    </message>
    <message>
        <source>Spanish</source>
        <translation>espagnol</translation>
    </message>
    <message>
        <source>Italian</source>
        <translation>italien</translation>
    </message>
    <message>
        <source>Portuguese</source>
        <translation>portugais</translation>
    </message>
    <message>
        <source>Dutch</source>
        <translation>néerlandais</translation>
    </message>
    <message>
        <source>Arabic</source>
        <translation>arabe</translation>
    </message>
    <message>
        <source>Russian</source>
        <translation>russe</translation>
    </message>
    <message>
        <source>Ukrainian</source>
        <translation>ukrainien</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>chinois</translation>
    </message>
    <message>
        <source>Persian</source>
        <translation>persan</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Passerelle — offline translation</source>
        <translation>Passerelle — traduction hors ligne</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>File d&apos;attente</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Relecture</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Résumé</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Ouvrir…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Exporter…</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>Annuler la tâche</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Relancer</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>Effacer les terminées</translation>
    </message>
    <message>
        <source>Models…</source>
        <translation>Modèles…</translation>
    </message>
    <message>
        <source>Import models…</source>
        <translation>Importer des modèles…</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>Paramètres…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quitter</translation>
    </message>
    <message>
        <source>Next flagged block</source>
        <translation>Bloc signalé suivant</translation>
    </message>
    <message>
        <source>About Passerelle…</source>
        <translation>À propos de Passerelle…</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>&amp;Tâches</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Affichage</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Outils</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Aide</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>Langue de l&apos;interface</translation>
    </message>
    <message>
        <source>Translate from:</source>
        <translation>Traduire de :</translation>
    </message>
    <message>
        <source>to:</source>
        <translation>vers :</translation>
    </message>
    <message>
        <source>Detect</source>
        <translation>Détecter</translation>
    </message>
    <message>
        <source>Engine:</source>
        <translation>Moteur :</translation>
    </message>
    <message>
        <source>Target language</source>
        <translation>Langue cible</translation>
    </message>
    <message>
        <source>Source language</source>
        <translation>Langue source</translation>
    </message>
    <message>
        <source>Translation engine</source>
        <translation>Moteur de traduction</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>Barre d&apos;outils principale</translation>
    </message>
    <message>
        <source>Translation options</source>
        <translation>Options de traduction</translation>
    </message>
    <message>
        <source>Device: %1</source>
        <translation>Matériel : %1</translation>
    </message>
    <message>
        <source>detecting…</source>
        <translation>détection…</translation>
    </message>
    <message>
        <source>Model: %1</source>
        <translation>Modèle : %1</translation>
    </message>
    <message>
        <source>No supported document found.</source>
        <translation>Aucun document pris en charge trouvé.</translation>
    </message>
    <message>
        <source>Translating the archive into %1…</source>
        <translation>Traduction de l’archive dans %1…</translation>
    </message>
    <message>
        <source>Archive translated: report in %1</source>
        <translation>Archive traduite : rapport dans %1</translation>
    </message>
    <message>
        <source>Checking the documents&apos; language…</source>
        <translation>Vérification de la langue des documents…</translation>
    </message>
    <message numerus="yes">
        <source>%n document(s) added</source>
        <translation>
            <numerusform>%n document ajouté</numerusform>
            <numerusform>%n documents ajoutés</numerusform>
        </translation>
    </message>
    <message>
        <source>Open documents</source>
        <translation>Ouvrir des documents</translation>
    </message>
    <message>
        <source>Documents (%1)</source>
        <translation>Documents (%1)</translation>
    </message>
    <message>
        <source>Select a translated document first.</source>
        <translation>Sélectionnez d&apos;abord un document traduit.</translation>
    </message>
    <message>
        <source>This document is not translated yet.</source>
        <translation>Ce document n&apos;est pas encore traduit.</translation>
    </message>
    <message>
        <source>Exported: %1</source>
        <translation>Exporté : %1</translation>
    </message>
    <message>
        <source>Import models from a folder or a USB drive</source>
        <translation>Importer des modèles depuis un dossier ou une clé USB</translation>
    </message>
    <message>
        <source>About Passerelle</source>
        <translation>À propos de Passerelle</translation>
    </message>
</context>
<context>
    <name>MissingModelBox</name>
    <message>
        <source>Translation model needed</source>
        <translation>Modèle de traduction nécessaire</translation>
    </message>
    <message>
        <source>Import the model from a folder or a USB drive, or preview the layout with the pseudo engine (accented fake text, no real translation).</source>
        <translation>Importez le modèle depuis un dossier ou une clé USB, ou prévisualisez la mise en page avec le moteur pseudo (faux texte accentué, aucune vraie traduction).</translation>
    </message>
    <message>
        <source>Import models…</source>
        <translation>Importer des modèles…</translation>
    </message>
    <message>
        <source>Use %1</source>
        <translation>Utiliser %1</translation>
    </message>
</context>
<context>
    <name>ModelListModel</name>
    <message>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Languages</source>
        <translation>Langues</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>Licence</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Origine</translation>
    </message>
    <message>
        <source>Integrity (SHA-256)</source>
        <translation>Intégrité (SHA-256)</translation>
    </message>
    <message>
        <source>DEMO QUALITY</source>
        <translation>QUALITÉ DÉMO</translation>
    </message>
    <message>
        <source>shared, read-only</source>
        <translation>partagé, lecture seule</translation>
    </message>
    <message>
        <source>Translation</source>
        <translation>Traduction</translation>
    </message>
    <message>
        <source>LLM</source>
        <translation>LLM</translation>
    </message>
    <message>
        <source>Not checked</source>
        <translation>Non vérifié</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>Vérifié</translation>
    </message>
    <message>
        <source>FAILED</source>
        <translation>ÉCHEC</translation>
    </message>
</context>
<context>
    <name>ModelManagerDialog</name>
    <message>
        <source>Models</source>
        <translation>Modèles</translation>
    </message>
    <message>
        <source>Import file…</source>
        <translation>Importer un fichier…</translation>
    </message>
    <message>
        <source>Import an .argosmodel package, a model bundle or a .gguf file</source>
        <translation>Importer un paquet .argosmodel, un lot de modèles ou un fichier .gguf</translation>
    </message>
    <message>
        <source>Import folder…</source>
        <translation>Importer un dossier…</translation>
    </message>
    <message>
        <source>Import a CTranslate2 model folder</source>
        <translation>Importer un dossier de modèle CTranslate2</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>Vérifier</translation>
    </message>
    <message>
        <source>Check every file against its SHA-256</source>
        <translation>Contrôler chaque fichier avec son SHA-256</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Supprimer</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>Installed models</source>
        <translation>Modèles installés</translation>
    </message>
    <message>
        <source>Models are verified with SHA-256 before use. Models marked DEMO QUALITY are small and for trying the tool only.</source>
        <translation>Les modèles sont vérifiés par SHA-256 avant usage. Les modèles marqués QUALITÉ DÉMO sont petits et servent seulement à essayer l&apos;outil.</translation>
    </message>
    <message>
        <source>The model store is not available in this build.</source>
        <translation>Le magasin de modèles n&apos;est pas disponible dans cette version.</translation>
    </message>
    <message>
        <source>Importing %1…</source>
        <translation>Import de %1…</translation>
    </message>
    <message>
        <source>Imported and verified: %1</source>
        <translation>Importé et vérifié : %1</translation>
    </message>
    <message>
        <source>checked at import</source>
        <translation>contrôlé à l&apos;import</translation>
    </message>
    <message>
        <source>%1 files match their SHA-256</source>
        <translation>%1 fichiers conformes à leur SHA-256</translation>
    </message>
    <message>
        <source>%1 verified</source>
        <translation>%1 vérifié</translation>
    </message>
    <message>
        <source>Removed %1</source>
        <translation>%1 supprimé</translation>
    </message>
    <message>
        <source>Import a model</source>
        <translation>Importer un modèle</translation>
    </message>
    <message>
        <source>Models (*.argosmodel *.gguf *.zip);;All files (*)</source>
        <translation>Modèles (*.argosmodel *.gguf *.zip);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Import a model folder</source>
        <translation>Importer un dossier de modèle</translation>
    </message>
    <message>
        <source>Remove the model?</source>
        <translation>Supprimer le modèle ?</translation>
    </message>
    <message>
        <source>Remove %1 from this computer?</source>
        <translation>Supprimer %1 de cet ordinateur ?</translation>
    </message>
</context>
<context>
    <name>PagePreview</name>
    <message>
        <source>Page preview</source>
        <translation>Aperçu de la page</translation>
    </message>
    <message>
        <source>Preview unavailable</source>
        <translation>Aperçu indisponible</translation>
    </message>
    <message>
        <source>Page %1 of %2</source>
        <translation>Page %1 sur %2</translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message>
        <source>Job queue</source>
        <translation>File des tâches</translation>
    </message>
</context>
<context>
    <name>Review</name>
    <message>
        <source>%1/%2 blocks translated</source>
        <translation>%1/%2 blocs traduits</translation>
    </message>
    <message>
        <source>%1 NOT translated</source>
        <translation>%1 NON traduits</translation>
    </message>
    <message>
        <source>%1 damaged</source>
        <translation>%1 endommagés</translation>
    </message>
    <message>
        <source>numbers kept %1/%2</source>
        <translation>nombres conservés %1/%2</translation>
    </message>
</context>
<context>
    <name>ReviewModel</name>
    <message>
        <source>Source</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>Translation</source>
        <translation>Traduction</translation>
    </message>
    <message>
        <source>Kept as is: %1</source>
        <translation>Laissé tel quel : %1</translation>
    </message>
    <message>
        <source>Not translated: %1</source>
        <translation>Non traduit : %1</translation>
    </message>
    <message>
        <source>Corrected by the reviewer</source>
        <translation>Corrigé par le relecteur</translation>
    </message>
</context>
<context>
    <name>ReviewPane</name>
    <message>
        <source>Export…</source>
        <translation>Exporter…</translation>
    </message>
    <message>
        <source>Write the translated document (Ctrl+E)</source>
        <translation>Écrire le document traduit (Ctrl+E)</translation>
    </message>
    <message>
        <source>Next flagged block</source>
        <translation>Bloc signalé suivant</translation>
    </message>
    <message>
        <source>Go to the next untranslated or flagged block (F8)</source>
        <translation>Aller au prochain bloc non traduit ou signalé (F8)</translation>
    </message>
    <message>
        <source>Source and translation, block by block</source>
        <translation>Source et traduction, bloc par bloc</translation>
    </message>
    <message>
        <source>Double-click a translation to correct it</source>
        <translation>Double-cliquez sur une traduction pour la corriger</translation>
    </message>
    <message>
        <source>Select a translated document in the queue to review it.</source>
        <translation>Sélectionnez un document traduit dans la file pour le relire.</translation>
    </message>
</context>
<context>
    <name>RowActions</name>
    <message>
        <source>Cancel this job</source>
        <translation>Annuler cette tâche</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Run this job again</source>
        <translation>Relancer cette tâche</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Relancer</translation>
    </message>
</context>
<context>
    <name>ServerForm</name>
    <message>
        <source>letters, digits, &apos;.&apos;, &apos;_&apos;, &apos;-&apos;</source>
        <translation>lettres, chiffres, « . », « _ », « - »</translation>
    </message>
    <message>
        <source>LibreTranslate (translation)</source>
        <translation>LibreTranslate (traduction)</translation>
    </message>
    <message>
        <source>OpenAI-compatible (LLM)</source>
        <translation>Compatible OpenAI (LLM)</translation>
    </message>
    <message>
        <source>The server&apos;s first model</source>
        <translation>Le premier modèle du serveur</translation>
    </message>
    <message>
        <source>service/user</source>
        <translation>service/utilisateur</translation>
    </message>
    <message>
        <source>The system&apos;s trusted CAs</source>
        <translation>Les autorités de certification du système</translation>
    </message>
    <message>
        <source>Allow plain http to this host</source>
        <translation>Autoriser le http non chiffré vers cet hôte</translation>
    </message>
    <message>
        <source>Demo-quality model (outputs marked DEMO)</source>
        <translation>Modèle de démonstration (résultats marqués DEMO)</translation>
    </message>
    <message>
        <source>Server set by your unit</source>
        <translation>Serveur défini par votre unité</translation>
    </message>
    <message>
        <source>Set by your unit in %1: read-only.</source>
        <translation>Défini par votre unité dans %1 : lecture seule.</translation>
    </message>
    <message>
        <source>Edit a server</source>
        <translation>Modifier un serveur</translation>
    </message>
    <message>
        <source>Add a server</source>
        <translation>Ajouter un serveur</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Nom :</translation>
    </message>
    <message>
        <source>Kind:</source>
        <translation>Type :</translation>
    </message>
    <message>
        <source>Base URL:</source>
        <translation>URL de base :</translation>
    </message>
    <message>
        <source>Model (OpenAI):</source>
        <translation>Modèle (OpenAI) :</translation>
    </message>
    <message>
        <source>API key file:</source>
        <translation>Fichier de la clé d&apos;API :</translation>
    </message>
    <message>
        <source>API key in the OS keyring:</source>
        <translation>Clé d&apos;API dans le trousseau du système :</translation>
    </message>
    <message>
        <source>CA bundle (PEM):</source>
        <translation>Certificats d&apos;autorité (PEM) :</translation>
    </message>
    <message>
        <source>Requests in parallel:</source>
        <translation>Requêtes en parallèle :</translation>
    </message>
    <message>
        <source>Timeouts, retries and batches</source>
        <translation>Délais, nouvelles tentatives et lots</translation>
    </message>
    <message>
        <source>Read timeout (s):</source>
        <translation>Délai de lecture (s) :</translation>
    </message>
    <message>
        <source>Connect timeout (s):</source>
        <translation>Délai de connexion (s) :</translation>
    </message>
    <message>
        <source>Retries:</source>
        <translation>Nouvelles tentatives :</translation>
    </message>
    <message>
        <source>First backoff (s):</source>
        <translation>Première attente (s) :</translation>
    </message>
    <message>
        <source>Longest backoff (s):</source>
        <translation>Attente maximale (s) :</translation>
    </message>
    <message>
        <source>Sentences per request (LibreTranslate):</source>
        <translation>Phrases par requête (LibreTranslate) :</translation>
    </message>
    <message>
        <source>Context window in tokens (OpenAI):</source>
        <translation>Fenêtre de contexte en jetons (OpenAI) :</translation>
    </message>
    <message>
        <source>Server name</source>
        <translation>Nom du serveur</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>URL de base</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <source>Server &apos;%1&apos; is set by your unit: choose another name.</source>
        <translation>Le serveur « %1 » est défini par votre unité : choisissez un autre nom.</translation>
    </message>
    <message>
        <source>Server &apos;%1&apos; is already in your servers file.</source>
        <translation>Le serveur « %1 » est déjà dans votre fichier de serveurs.</translation>
    </message>
    <message>
        <source>Choose the API key file</source>
        <translation>Choisir le fichier de la clé d&apos;API</translation>
    </message>
    <message>
        <source>Choose the CA bundle</source>
        <translation>Choisir les certificats d&apos;autorité</translation>
    </message>
    <message>
        <source>Certificates (*.pem *.crt);;All files (*)</source>
        <translation>Certificats (*.pem *.crt);;Tous les fichiers (*)</translation>
    </message>
</context>
<context>
    <name>ServerStateModel</name>
    <message>
        <source>Server</source>
        <translation>Serveur</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>State</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modèles</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>Latence</translation>
    </message>
    <message>
        <source>%1 (set by your unit)</source>
        <translation>%1 (défini par votre unité)</translation>
    </message>
    <message>
        <source>Reachable</source>
        <translation>Joignable</translation>
    </message>
    <message>
        <source>Unreachable</source>
        <translation>Injoignable</translation>
    </message>
</context>
<context>
    <name>ServersPanel</name>
    <message>
        <source>Intranet servers</source>
        <translation>Serveurs intranet</translation>
    </message>
    <message>
        <source>Check servers</source>
        <translation>Vérifier les serveurs</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Ajouter…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Modifier…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Supprimer</translation>
    </message>
    <message>
        <source>My servers…</source>
        <translation>Mes serveurs…</translation>
    </message>
    <message>
        <source>Open your own servers file (%1)</source>
        <translation>Ouvrir votre propre fichier de serveurs (%1)</translation>
    </message>
    <message>
        <source>No intranet server is declared (%1, %2).</source>
        <translation>Aucun serveur intranet n&apos;est déclaré (%1, %2).</translation>
    </message>
    <message>
        <source>Server &apos;%1&apos; is not in your servers file.</source>
        <translation>Le serveur « %1 » n&apos;est pas dans votre fichier de serveurs.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Vérification…</translation>
    </message>
    <message>
        <source>Remove the server?</source>
        <translation>Supprimer le serveur ?</translation>
    </message>
    <message>
        <source>Remove %1 from your servers file?</source>
        <translation>Supprimer %1 de votre fichier de serveurs ?</translation>
    </message>
    <message>
        <source>Unreachable: %1</source>
        <translation>Injoignable : %1</translation>
    </message>
    <message>
        <source>All servers answer.</source>
        <translation>Tous les serveurs répondent.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>Processeur (CPU)</translation>
    </message>
    <message>
        <source>GPU (CUDA)</source>
        <translation>Carte graphique (CUDA)</translation>
    </message>
    <message>
        <source>One folder per line (shared, read-only stores)</source>
        <translation>Un dossier par ligne (magasins partagés, en lecture seule)</translation>
    </message>
    <message>
        <source>Beside the source document</source>
        <translation>À côté du document source</translation>
    </message>
    <message>
        <source>e.g. DIFFUSION RESTREINTE</source>
        <translation>p. ex. DIFFUSION RESTREINTE</translation>
    </message>
    <message>
        <source>Found automatically</source>
        <translation>Trouvé automatiquement</translation>
    </message>
    <message>
        <source>Read scans again even when they carry a text layer</source>
        <translation>Relire les numérisations même si elles ont une couche de texte</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>Comme le système</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Matériel :</translation>
    </message>
    <message>
        <source>Detected: %1</source>
        <translation>Détecté : %1</translation>
    </message>
    <message>
        <source>Threads:</source>
        <translation>Fils d&apos;exécution :</translation>
    </message>
    <message>
        <source>Beam size:</source>
        <translation>Taille du faisceau :</translation>
    </message>
    <message>
        <source>Locked settings are pinned for the whole unit by your IT team (%1).</source>
        <translation>Les réglages verrouillés sont fixés pour toute l&apos;unité par votre service informatique (%1).</translation>
    </message>
    <message>
        <source>Model stores:</source>
        <translation>Magasins de modèles :</translation>
    </message>
    <message>
        <source>Default target language:</source>
        <translation>Langue cible par défaut :</translation>
    </message>
    <message>
        <source>Glossary (CSV):</source>
        <translation>Glossaire (CSV) :</translation>
    </message>
    <message>
        <source>Output folder:</source>
        <translation>Dossier de sortie :</translation>
    </message>
    <message>
        <source>Classification marking:</source>
        <translation>Mention de classification :</translation>
    </message>
    <message>
        <source>OCR language data:</source>
        <translation>Données de langue OCR :</translation>
    </message>
    <message>
        <source>OCR:</source>
        <translation>OCR :</translation>
    </message>
    <message>
        <source>Interface language:</source>
        <translation>Langue de l&apos;interface :</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Matériel</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>Fils d&apos;exécution</translation>
    </message>
    <message>
        <source>Beam size</source>
        <translation>Taille du faisceau</translation>
    </message>
    <message>
        <source>Model stores</source>
        <translation>Magasins de modèles</translation>
    </message>
    <message>
        <source>Default target language</source>
        <translation>Langue cible par défaut</translation>
    </message>
    <message>
        <source>Glossary file</source>
        <translation>Fichier de glossaire</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>Dossier de sortie</translation>
    </message>
    <message>
        <source>Classification marking</source>
        <translation>Mention de classification</translation>
    </message>
    <message>
        <source>OCR language data folder</source>
        <translation>Dossier des données de langue OCR</translation>
    </message>
    <message>
        <source>Redo OCR</source>
        <translation>Refaire l&apos;OCR</translation>
    </message>
    <message>
        <source>Interface language</source>
        <translation>Langue de l&apos;interface</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <source>Choose the tessdata folder</source>
        <translation>Choisir le dossier tessdata</translation>
    </message>
    <message>
        <source>Choose a folder</source>
        <translation>Choisir un dossier</translation>
    </message>
    <message>
        <source>Choose a glossary</source>
        <translation>Choisir un glossaire</translation>
    </message>
    <message>
        <source>Measured default</source>
        <translation>Valeur mesurée par défaut</translation>
    </message>
    <message>
        <source>Pinned by your IT team in %1</source>
        <translation>Fixé par votre service informatique dans %1</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Fichiers CSV (*.csv)</translation>
    </message>
</context>
<context>
    <name>SummaryPane</name>
    <message>
        <source>LLM</source>
        <translation>LLM</translation>
    </message>
    <message>
        <source>LLM (none installed)</source>
        <translation>LLM (aucun installé)</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <source>Extractive (quotes the document)</source>
        <translation>Extractif (cite le document)</translation>
    </message>
    <message>
        <source>Brief</source>
        <translation>Bref</translation>
    </message>
    <message>
        <source>Standard</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source>Detailed</source>
        <translation>Détaillé</translation>
    </message>
    <message>
        <source>Prose</source>
        <translation>Texte suivi</translation>
    </message>
    <message>
        <source>Bullet points</source>
        <translation>Liste à puces</translation>
    </message>
    <message>
        <source>The source, then translated</source>
        <translation>La source, puis traduit</translation>
    </message>
    <message>
        <source>The translation</source>
        <translation>La traduction</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Langue :</translation>
    </message>
    <message>
        <source>Length:</source>
        <translation>Longueur :</translation>
    </message>
    <message>
        <source>Style:</source>
        <translation>Style :</translation>
    </message>
    <message>
        <source>Engine:</source>
        <translation>Moteur :</translation>
    </message>
    <message>
        <source>Summarize:</source>
        <translation>Résumer :</translation>
    </message>
    <message>
        <source>Summary language</source>
        <translation>Langue du résumé</translation>
    </message>
    <message>
        <source>Summary length</source>
        <translation>Longueur du résumé</translation>
    </message>
    <message>
        <source>Summary style</source>
        <translation>Style du résumé</translation>
    </message>
    <message>
        <source>Summary engine</source>
        <translation>Moteur de résumé</translation>
    </message>
    <message>
        <source>Summarize the source document or its translation</source>
        <translation>Résumer le document source ou sa traduction</translation>
    </message>
    <message>
        <source>Summarize</source>
        <translation>Résumer</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Arrêter</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>Résumé</translation>
    </message>
    <message>
        <source>Key facts</source>
        <translation>Faits essentiels</translation>
    </message>
    <message>
        <source>Not found in the source: numbers, names, links, units (check them)</source>
        <translation>Absents de la source : nombres, noms, liens, unités (à vérifier)</translation>
    </message>
    <message>
        <source>Summaries are unavailable: %1</source>
        <translation>Résumés indisponibles : %1</translation>
    </message>
    <message>
        <source>Select a translated document in the queue.</source>
        <translation>Sélectionnez un document traduit dans la file.</translation>
    </message>
    <message>
        <source>extractive: sentences quoted from the document</source>
        <translation>extractif : phrases citées du document</translation>
    </message>
    <message>
        <source>Summary by %1</source>
        <translation>Résumé par %1</translation>
    </message>
    <message>
        <source>Summarizing…</source>
        <translation>Résumé en cours…</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>Arrêté.</translation>
    </message>
</context>
</TS>
