using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Pair
{
    // The decisions of each state; BoardPair.cs holds the inputs and outputs.
    public sealed partial class BoardPair
    {
        // A booting board listens first: a running peer says within one link period whether it
        // holds authority. Two booting boards hear each other and the preferred one takes it.
        private void TickBooting(bool heartbeat)
        {
            if (_heardFrame)
            {
                if (_peer.State == PairState.Authority)
                {
                    BecomePassive(_peer.From + " holds authority");
                }
                else if (_peer.State != PairState.Confirming)
                {
                    // The peer boots or waits as passive: the preferred board takes authority, with
                    // the higher of both epochs as its floor; the other waits for its frames.
                    if (_cfg.Preferred) { TakeAuthority(Max(_durable, Max(_peer.Epoch, _peer.Ceiling)), "both boards are up and this one is preferred"); }
                    else { BecomePassive("both boards are up and " + _peer.From + " is preferred"); }
                }

                return;
            }

            if (_now < _bootListen) { return; }
            if (heartbeat)
            {
                BecomePassive("the peer's heartbeat is there but the link is silent: out of sync until it speaks");
                Say("pair-out-of-sync", Severity.Alert, "the data link to " + _cfg.Peer + " is silent; this board cannot learn the epochs and will not take authority until it speaks");
                return;
            }

            // Nothing on either path: the peer is off, or both paths are cut. Only the preferred
            // board acts on that: it fences the peer and takes authority from its own durable epoch
            // (the core's boot rules and epoch from sealed evidence cover an authority that went
            // beyond it). The other one waits: were both to act, two boards cut off from each other
            // would take turns holding each other in reset.
            if (_cfg.Preferred)
            {
                _bootedAlone = true;
                BecomePassive("nothing heard from " + _cfg.Peer + " on either path; this board is preferred: it will hold " + _cfg.Peer + " in reset and take authority");
            }
            else
            {
                BecomePassive("nothing heard from " + _cfg.Peer + " on either path");
                Say("pair-no-authority", Severity.Critical, "nothing heard from " + _cfg.Peer + " on either path since this board started, and it is not the preferred board: it does not take authority (no failover) until " + _cfg.Peer + " is heard");
            }
        }

        private void TickPassive(bool heartbeat, bool link)
        {
            if (link && _cfg.Preferred && (_peer.State == PairState.Passive || _peer.State == PairState.Booting))
            {
                TakeAuthority(Max(_durable, Max(_peer.Epoch, _peer.Ceiling)), "neither board holds authority and this one is preferred");
                return;
            }

            if (heartbeat || link)
            {
                _silentSince = -1;
                _bootedAlone = false;
                return;
            }

            if (_silentSince < 0)
            {
                // Both paths fell silent: decide once, from what was heard last, whether this board
                // knows every epoch the authority could have used.
                _silentSince = _now;
                _mayTakeOver = _bootedAlone || InSyncWhenSilenced();
                if (_bootedAlone) { _silentSince = _now - _priorityDelay; }
                if (!_mayTakeOver)
                {
                    Say("pair-out-of-sync", Severity.Critical, _cfg.Peer + " is silent on both paths, but this board was not in sync when it fell silent: it does not take authority (no failover until a board with the epochs is back)");
                }
            }

            if (_mayTakeOver && _now - _silentSince >= _priorityDelay)
            {
                State = PairState.Confirming;
                Hold(false, "silent on both paths for " + ((_now - _silentSince) * TickMs()).ToString() + " ms: holding it in reset before taking authority");
            }
        }

        // The peer held in reset must stay silent on both paths for ConfirmMs: a peer that still
        // speaks is not held (its reset wire is broken) and must not be replaced.
        private void TickConfirming(bool heartbeat, bool link)
        {
            if (heartbeat || link)
            {
                Release("it is still heard while held in reset: not taking authority");
                Say("pair-confirm-failed", Severity.Critical, _cfg.Peer + " was heard on its " + (heartbeat ? "heartbeat wire" : "data link") + " while held in reset: its reset wire does not hold it; staying passive");
                State = PairState.Passive;
                _silentSince = -1;
                return;
            }

            if (_now - _holdStart >= _confirm)
            {
                TakeAuthority(_durable, _cfg.Peer + " held in reset and silent for " + ((_now - _holdStart) * TickMs()).ToString() + " ms");
            }
        }

        private void TickAuthority(bool heartbeat, bool link, long coreEpoch)
        {
            if (heartbeat || link)
            {
                _silentSince = -1;
                // A released peer is back once it says it is passive: a board still starting is
                // heard in bursts (its runtime pauses while it loads), and must not be fenced for that.
                if (link && _peer.State == PairState.Passive) { _releasedAt = -1; }
                if (_holdForGood && !_saidIneffective)
                {
                    _saidIneffective = true;
                    Say("pair-reset-ineffective", Severity.Critical, _cfg.Peer + " is heard although held in reset: its reset wire does not hold it");
                }
            }
            else if (_holdStart < 0)
            {
                if (_silentSince < 0) { _silentSince = _now; }
                if (_releasedAt >= 0)
                {
                    if (_now - _releasedAt >= _peerBootGrace) { Hold(true, "not back as passive " + ((_now - _releasedAt) * TickMs()).ToString() + " ms after its reset: held in reset until an operator restarts this board or mends it"); }
                }
                else if (_now - _silentSince >= _priorityDelay / 2)
                {
                    // Half the passive's delay: a passive that stalls that long is spared, and one
                    // that is alive and cut off is held before its own delay could end.
                    Hold(false, "silent on both paths for " + ((_now - _silentSince) * TickMs()).ToString() + " ms: holding it in reset");
                }
            }

            if (_holdStart >= 0 && !_holdForGood && _now - _holdStart >= _confirm)
            {
                Release("reset pulse over; it has " + _cfg.PeerBootGraceMs.ToString() + " ms to come back as passive");
            }

            if (link && _peer.State == PairState.Authority && !_cfg.Preferred)
            {
                // Never by design (a board takes authority only with the other held or heard
                // passive); if both paths were cut and mended at once, the preferred board keeps it.
                Say("pair-two-authorities", Severity.Critical, _cfg.Peer + " also claims authority; yielding to the preferred board");
                BecomePassive("yielded to the preferred " + _cfg.Peer);
                return;
            }

            // Reserve epochs ahead with the passive: half a block left triggers the next request,
            // so a failover never waits for the link.
            if (link && _peer.State == PairState.Passive && _requested < coreEpoch + (_cfg.EpochBlock / 2))
            {
                _requested = coreEpoch + _cfg.EpochBlock;
                _requestedAt = _now;
                _sendNow = true;
            }

            bool inSync = link && _peer.State == PairState.Passive && _acked >= coreEpoch && (_acked >= _requested || _now - _requestedAt < _linkTimeout);
            if (inSync != PeerInSync)
            {
                PeerInSync = inSync;
                if (inSync) { Say("pair-in-sync", Severity.Info, _cfg.Peer + " holds every epoch up to " + _acked.ToString() + ": it may take over"); }
                else
                {
                    string why = !link ? "'s link is silent"
                        : _peer.State != PairState.Passive ? " is " + WireWords.Of(_peer.State)
                        : " has not made epoch " + coreEpoch.ToString() + " durable";
                    Say("pair-alone", Severity.Alert, _cfg.Peer + why + ": this board holds authority alone, and the passive may not take over");
                }
            }
        }

        // The authority uses an epoch above the ceiling this board acknowledged only after hearing
        // nothing from it for a link timeout (or after using half a block within one, the limit
        // docs/safety-rules.md names). Its heartbeat ran on until it died: if that was more than a
        // link timeout (less a heartbeat period and a tick of sampling) after our last frame, it
        // may have gone on alone.
        private bool InSyncWhenSilenced()
        {
            if (!_syncedAtLastFrame) { return false; }
            return _lastEdge < _lastFrame + _linkTimeout - _heartbeatPeriod - 1;
        }

        private void NoteSync()
        {
            if (State == PairState.Authority) { return; }
            _syncedAtLastFrame = _peer.State == PairState.Authority && _peer.PeerInSync && _durable >= _peer.Epoch;
            bool inSync = _syncedAtLastFrame;
            if (inSync != PeerInSync && State == PairState.Passive)
            {
                Say(inSync ? "pair-in-sync" : "pair-out-of-sync", inSync ? Severity.Info : Severity.Alert, inSync
                    ? "every epoch up to " + _durable.ToString() + " is durable here: this board may take over"
                    : "epoch " + _peer.Epoch.ToString() + " of " + _peer.From + " is not durable here yet: this board may not take over");
            }

            PeerInSync = inSync;
        }

        private void NotePaths(bool heartbeat, bool link)
        {
            if (heartbeat != _saidHeartbeat && _now > _peerTimeout)
            {
                _saidHeartbeat = heartbeat;
                Say(heartbeat ? "pair-peer-heartbeat" : "pair-peer-heartbeat-silent", heartbeat ? Severity.Info : Severity.Alert, _cfg.Peer + "'s heartbeat wire " + (heartbeat ? "carries edges again" : "is silent") + (link ? "; the link speaks" : "; the link is silent too"));
            }

            if (link != _saidLink && _now > _linkTimeout)
            {
                _saidLink = link;
                if (!link && State == PairState.Passive) { PeerInSync = false; _syncedAtLastFrame = _syncedAtLastFrame && _lastEdge < _lastFrame + _linkTimeout - _heartbeatPeriod - 1; }
                Say(link ? "pair-link" : "pair-link-silent", link ? Severity.Info : Severity.Alert, "the data link to " + _cfg.Peer + (link ? " speaks again" : " is silent") + (heartbeat ? "; its heartbeat wire carries edges" : "; its heartbeat wire is silent too"));
            }
        }

        private void BecomePassive(string why)
        {
            State = PairState.Passive;
            PeerInSync = false;
            _silentSince = -1;
            NoteSync();
            Say("pair-passive", Severity.Info, "passive: " + why + "; outputs released");
        }

        private void TakeAuthority(long floor, string why)
        {
            if (floor > _durable) { _pendingPersist = floor; }
            AuthorityUnsynced = _bootedAlone;
            State = PairState.Authority;
            _silentSince = -1;
            PeerInSync = false;
            _acked = 0;
            _requested = 0;
            _sendNow = true;
            if (_holdStart >= 0) { Release("authority taken"); }
            Say("pair-authority-taken", Severity.Alert, "authority: " + why + "; epochs continue above " + Max(floor, _durable).ToString());
        }

        private void Hold(bool forGood, string why)
        {
            _holdStart = _now;
            _holdForGood = forGood;
            _saidIneffective = false;
            Say("pair-peer-fenced", Severity.Alert, _cfg.Peer + " " + why);
        }

        private void Release(string why)
        {
            _holdStart = -1;
            _holdForGood = false;
            _releasedAt = _now;
            Say("pair-peer-released", Severity.Info, _cfg.Peer + "'s reset released: " + why);
        }

        private void FillFrame(long coreEpoch)
        {
            _seq++;
            _frame.From = _self;
            _frame.Seq = _seq;
            _frame.State = State;
            bool authority = State == PairState.Authority;
            _frame.Epoch = authority ? Max(coreEpoch, _durable) : _durable;
            _frame.Ceiling = authority ? _requested : _durable;
            _frame.AckSeq = _heardFrame ? _peer.Seq : 0;
            _frame.PeerInSync = PeerInSync;
            _frame.Timestamp = _wallMs;
            Frame = _frame;
            _lastSent = _now;
            _sendNow = false;
        }

        private void Say(string kind, Severity severity, string detail)
        {
            if (_eventCount >= MaxEvents) { return; }
            EventMessage e = _events[_eventCount++];
            e.Source = _self;
            e.Kind = kind;
            e.Severity = severity;
            e.Node = "";
            e.Group = "";
            e.Epoch = _durable;
            e.Detail = detail;
            e.Timestamp = _wallMs;
        }

        private long TickMs()
        {
            return _tickMs;
        }

        private static long Max(long a, long b)
        {
            return a > b ? a : b;
        }
    }
}
